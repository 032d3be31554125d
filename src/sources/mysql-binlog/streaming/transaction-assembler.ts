import {
  type ChangeEvent,
  composeVersion,
  MAX_SUB,
  type Op,
  type Position,
  type Row,
} from '../../../core/change-event.js';
import { parseStatement, type StatementKind, type TableRef } from './ddl.js';
import { type AnyGtid, gtidText, isMysqlGtid } from './gtid-state.js';
import type { CommitEvent, RawBinlogEvent, RowsEvent, StatementEvent, XaId } from './raw-event.js';
import type { TableFilter } from './table-filter.js';
import type { TableMetadata } from './table-metadata.js';

/**
 * A DDL statement on a captured table, so mappings can refresh column descriptors without a restart.
 * It is delivered before any row written after it.
 */
export interface SchemaChange {
  readonly kind: Exclude<StatementKind, 'truncate' | 'other'>;
  readonly database: string;
  /** '*' for CREATE/DROP DATABASE. */
  readonly table: string;
  readonly renamedTo?: TableRef;
  readonly ddl: string;
  /** The position of the DDL's own event group. */
  readonly position: Position;
  readonly tsMs: number;
}

/** Output for one transaction, or one part of a transaction too large for a single batch. */
export interface AssembledChunk {
  readonly events: readonly ChangeEvent[];
  readonly schemaChanges: readonly SchemaChange[];
  /** Set when this chunk completes its transaction; undefined for the leading parts of a split one. */
  readonly position: Position | undefined;
  /** The transaction's GTID ("0-1-1234"). */
  readonly gtid: string;
  /** Commit time at the source, epoch ms (0 for leading parts). */
  readonly commitTsMs: number;
  /**
   * The GTID position after this transaction (undefined for leading parts). Ahead of
   * `position.checkpoint.gtid` while a prepared XA transaction is held (see XA below).
   */
  readonly reached: string | undefined;
}

export interface TransactionAssemblerOptions {
  readonly tables: TableFilter;
  readonly metadata: TableMetadata;
  /** Changes held for one transaction before a part is emitted without a position. Default 10 000. */
  readonly maxTransactionEvents?: number;
  readonly onWarning?: (message: string) => void;
}

interface Pending {
  readonly op: Op;
  readonly database: string;
  readonly table: string;
  readonly before: Row | null;
  readonly after: Row | null;
  readonly key: Row;
  readonly tsMs: number;
  readonly order: number;
}

interface PendingSchemaChange {
  readonly kind: SchemaChange['kind'];
  readonly ref: TableRef;
  readonly renamedTo?: TableRef;
  readonly ddl: string;
  readonly tsMs: number;
}

type Checkpoint = Readonly<Record<string, unknown>> & { readonly gtid: string };

interface OpenTransaction {
  readonly gtid: AnyGtid;
  readonly id: string;
  /** The version sequence: transactions executed once this one commits (BeginEvent.sequence). */
  readonly sequence: bigint;
  /** Where a restart must resume to replay this group (its prepare, for an XA transaction). */
  readonly before: Checkpoint;
  readonly positionAfter: string;
  /** An XA PREPARE group: never emitted in parts, held whole until its decision. */
  readonly xaPrepare: boolean;
  order: number;
  pending: Pending[];
  schema: PendingSchemaChange[];
}

/** A prepared XA transaction's changes, waiting for XA COMMIT (emitted) or XA ROLLBACK (dropped). */
interface HeldXa {
  readonly prepareGtid: string;
  readonly before: Checkpoint;
  readonly pending: Pending[];
  readonly preparedTsMs: number;
  warned: boolean;
}

/** An undecided XA transaction older than this (binlog time) is reported once: it holds the checkpoint. */
const XA_HELD_WARN_MS = 60_000;

/**
 * Turns the reader's event groups into ChangeEvents.
 *
 * Versions: composeVersion(sequence, order of the change inside its transaction), where sequence is the
 * number of transactions executed once this one commits (GtidState.count: the size of the MySQL GTID set,
 * the sum of the MariaDB domains' sequence numbers). It grows with every transaction whichever server
 * uuid, tag or domain wrote it, so a replayed or reordered older change can never overwrite a newer one,
 * also after a failover to a server counting under another uuid (docs/guarantees.md, "Versions").
 *
 * XA: MariaDB writes an XA transaction's rows at XA PREPARE, in a group of their own, and the decision
 * later as a separate "XA COMMIT" / "XA ROLLBACK" group. A prepared transaction is held here, keyed by its
 * xid, and emitted at XA COMMIT with the versions of the COMMIT's GTID (so they order after everything
 * committed before it), or dropped at XA ROLLBACK. Held changes live only in memory, so while any is
 * held every checkpoint stays at the position before the oldest held prepare: a restart re-reads it (and
 * replays what followed, which versions make harmless) instead of losing it.
 */
export class TransactionAssembler {
  private readonly o: TransactionAssemblerOptions;
  private readonly max: number;
  private tx: OpenTransaction | undefined;
  private readonly keyless = new Set<string>();
  /**
   * Key columns per `database.table`, as metadata.keyColumns answered for the binlog's primary key
   * `fromBinlog` (the same array while the table map is unchanged); cleared by DDL, when the metadata is.
   */
  private readonly keys = new Map<
    string,
    { readonly fromBinlog: readonly string[] | undefined; readonly columns: readonly string[] }
  >();
  /** Prepared XA transactions with captured changes, in prepare (binlog) order. */
  private readonly held = new Map<XaId, HeldXa>();
  /** Prepared XA transactions with no captured change: nothing to hold, but their decision is expected. */
  private readonly preparedEmpty = new Set<XaId>();
  /** The checkpoint of the last commit seen: a prepare's "before" gets its file and pos when they match. */
  private last: Checkpoint | undefined;

  constructor(options: TransactionAssemblerOptions) {
    this.o = options;
    this.max = Math.max(1, options.maxTransactionEvents ?? 10_000);
  }

  /** True between a group's begin and its commit. */
  get inTransaction(): boolean {
    return this.tx !== undefined;
  }

  /** XA transactions prepared and not decided yet whose changes are held (they hold the checkpoint). */
  get heldXa(): readonly XaId[] {
    return [...this.held.keys()];
  }

  /**
   * Feeds one raw event; returns the chunks it completes (usually none, one at a commit). Synchronous
   * unless a rows event needs its table's key columns looked up (a promise then): the hot path makes no
   * promise per event.
   */
  push(ev: RawBinlogEvent): AssembledChunk[] | Promise<AssembledChunk[]> {
    switch (ev.kind) {
      case 'begin':
        if (this.tx)
          this.o.onWarning?.(`group ${this.tx.id} had no commit before ${gtidText(ev.gtid)}; dropped`);
        this.tx = {
          gtid: ev.gtid,
          id: gtidText(ev.gtid),
          sequence: ev.sequence ?? (isMysqlGtid(ev.gtid) ? ev.gtid.gno : ev.gtid.seqNo),
          before: this.last?.gtid === ev.positionBefore ? this.last : { gtid: ev.positionBefore },
          positionAfter: ev.positionAfter,
          xaPrepare: ev.xaPrepare !== undefined,
          order: 0,
          pending: [],
          schema: [],
        };
        return [];
      case 'rows':
        return this.rows(ev);
      case 'statement':
        this.statement(ev);
        return this.tx && this.splits(this.tx) ? [this.part(this.tx)] : [];
      case 'commit':
        return this.commit(ev);
      case 'reconnected':
        // The stream resumed at the last commit: this group replays from its start.
        this.tx = undefined;
        return [];
      case 'heartbeat':
        return [];
    }
  }

  private rows(ev: RowsEvent): AssembledChunk[] | Promise<AssembledChunk[]> {
    if (!this.tx || !this.o.tables(ev.database, ev.table)) return [];
    const name = `${ev.database}.${ev.table}`;
    const known = this.keys.get(name);
    if (known && known.fromBinlog === ev.primaryKey) return this.rowsWithKey(ev, known.columns);
    return this.o.metadata.keyColumns(ev.database, ev.table, ev.primaryKey).then((columns) => {
      this.keys.set(name, { fromBinlog: ev.primaryKey, columns });
      return this.rowsWithKey(ev, columns);
    });
  }

  private rowsWithKey(ev: RowsEvent, keyCols: readonly string[]): AssembledChunk[] {
    const tx = this.tx;
    if (!tx) return [];
    if (keyCols.length === 0 && !this.keyless.has(`${ev.database}.${ev.table}`)) {
      this.keyless.add(`${ev.database}.${ev.table}`);
      this.o.onWarning?.(
        `${ev.database}.${ev.table} has no primary key and no keyColumns: its changes carry an empty key (the mapping dead-letters them)`,
      );
    }
    const out: AssembledChunk[] = [];
    const add = (op: Op, before: Row | null, after: Row | null, key: Row) => {
      tx.pending.push({
        op,
        database: ev.database,
        table: ev.table,
        before,
        after,
        key,
        tsMs: ev.timestampMs,
        order: tx.order,
      });
      tx.order += 1;
      if (this.splits(tx)) out.push(this.part(tx));
    };
    for (const r of ev.rows) {
      if (ev.op === 'insert') {
        const row = r as Row;
        add('c', null, row, pick(row, keyCols));
      } else if (ev.op === 'delete') {
        const row = r as Row;
        add('d', row, null, pick(row, keyCols));
      } else {
        const pair = r as { before: Row; after: Row };
        const before = pair.before;
        const after = pair.after;
        const kb = pick(before, keyCols);
        const ka = pick(after, keyCols);
        if (sameKey(kb, ka)) add('u', before, after, ka);
        else {
          // The key changed: the document moves. Delete the old id, create the new one (as Debezium does).
          add('d', before, null, kb);
          add('c', null, after, ka);
        }
      }
    }
    return out;
  }

  private statement(ev: StatementEvent): void {
    const tx = this.tx;
    if (!tx) return;
    const p = parseStatement(ev.sql, ev.schema);
    const kind = p.kind;
    if (kind === 'other') return;
    const { tables, metadata } = this.o;
    p.tables.forEach((ref, i) => {
      const to = p.renamedTo?.[i];
      if (kind === 'truncate') {
        if (!tables(ref.database, ref.table)) return;
        tx.pending.push({
          op: 't',
          database: ref.database,
          table: ref.table,
          before: null,
          after: null,
          key: {},
          tsMs: ev.timestampMs,
          order: tx.order,
        });
        tx.order += 1;
        return;
      }
      const captured =
        ref.table === '*'
          ? tables.database(ref.database)
          : tables(ref.database, ref.table) || (to !== undefined && tables(to.database, to.table));
      metadata.invalidate(ref.database, ref.table);
      if (to) metadata.invalidate(to.database, to.table);
      this.keys.clear();
      if (!captured) return;
      tx.schema.push({ kind, ref, ...(to && { renamedTo: to }), ddl: ev.sql, tsMs: ev.timestampMs });
    });
  }

  private commit(ev: CommitEvent): AssembledChunk[] {
    const tx = this.tx;
    if (!tx) return [];
    this.tx = undefined;
    const reached: Checkpoint = { gtid: ev.position, file: ev.file, pos: ev.pos };
    this.last = reached;
    const xa = ev.xa;
    if (xa?.outcome === 'prepare') {
      if (tx.pending.length > 0) {
        this.held.set(xa.xid, {
          prepareGtid: tx.id,
          before: tx.before,
          pending: tx.pending,
          preparedTsMs: ev.timestampMs,
          warned: false,
        });
      } else this.preparedEmpty.add(xa.xid);
      tx.pending = [];
    } else if (xa) {
      const held = this.held.get(xa.xid);
      this.held.delete(xa.xid);
      const seen = held !== undefined || this.preparedEmpty.delete(xa.xid);
      if (held && xa.outcome === 'commit') tx.pending = held.pending; // versioned by this COMMIT's GTID
      if (!seen && xa.outcome === 'commit') {
        this.o.onWarning?.(
          `XA COMMIT ${xa.xid} (gtid ${tx.id}) decides a transaction prepared before this stream's start position: if it changed captured tables, those changes are not streamed (run reconcile on them)`,
        );
      }
    }
    this.warnLongHeld(ev.timestampMs);
    const oldest = this.held.values().next().value;
    const checkpoint = oldest ? oldest.before : reached;
    const out: AssembledChunk[] = [];
    // A held XA transaction was never emitted in parts: split it now if it is too large for one batch.
    const all = tx.pending;
    let i = 0;
    for (; all.length - i > this.max; i += this.max) {
      tx.pending = all.slice(i, i + this.max);
      out.push(this.part(tx));
    }
    tx.pending = i === 0 ? all : all.slice(i);
    out.push({
      ...this.materialize(tx, checkpoint),
      position: {
        version: composeVersion(tx.sequence, Number(MAX_SUB)),
        checkpoint,
        label: `gtid ${tx.id}`,
      },
      commitTsMs: ev.timestampMs,
      reached: ev.position,
    });
    return out;
  }

  private warnLongHeld(nowTsMs: number): void {
    for (const [xid, h] of this.held) {
      if (h.warned || nowTsMs - h.preparedTsMs < XA_HELD_WARN_MS) continue;
      h.warned = true;
      this.o.onWarning?.(
        `XA transaction ${xid} (prepared at gtid ${h.prepareGtid}) is still undecided after ${Math.round((nowTsMs - h.preparedTsMs) / 1000)} s: checkpoints stay at ${h.before.gtid} until XA COMMIT or XA ROLLBACK (a restart re-reads from there)`,
      );
    }
  }

  /** True when the open transaction has grown to a part of its own (never for a prepared XA: it is held). */
  private splits(tx: OpenTransaction): boolean {
    return !tx.xaPrepare && tx.pending.length >= this.max;
  }

  /** Emits what a too-large transaction holds so far, without a position (not a checkpoint). */
  private part(tx: OpenTransaction): AssembledChunk {
    const chunk = this.materialize(tx, { gtid: tx.positionAfter });
    return { ...chunk, position: undefined, commitTsMs: 0, reached: undefined };
  }

  private materialize(
    tx: OpenTransaction,
    checkpoint: Readonly<Record<string, unknown>>,
  ): { events: ChangeEvent[]; schemaChanges: SchemaChange[]; gtid: string } {
    const label = `gtid ${tx.id}`;
    const events = tx.pending.map(
      (p): ChangeEvent => ({
        op: p.op,
        before: p.before,
        after: p.after,
        key: p.key,
        source: {
          connector: 'mysql-binlog',
          database: p.database,
          table: p.table,
          position: { version: composeVersion(tx.sequence, p.order), checkpoint, label },
          snapshot: false,
          tsMs: p.tsMs,
        },
        transaction: { id: tx.id, order: p.order },
      }),
    );
    const schemaChanges = tx.schema.map(
      (s): SchemaChange => ({
        kind: s.kind,
        database: s.ref.database,
        table: s.ref.table,
        ...(s.renamedTo && { renamedTo: s.renamedTo }),
        ddl: s.ddl,
        position: { version: composeVersion(tx.sequence, Number(MAX_SUB)), checkpoint, label },
        tsMs: s.tsMs,
      }),
    );
    tx.pending = [];
    tx.schema = [];
    return { events, schemaChanges, gtid: tx.id };
  }
}

function pick(row: Row, cols: readonly string[]): Row {
  const key: Row = {};
  for (const c of cols) key[c] = row[c] ?? null;
  return key;
}

function sameKey(a: Row, b: Row): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => valueEquals(a[k], b[k]));
}

function valueEquals(x: unknown, y: unknown): boolean {
  if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
  return x === y;
}
