import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { type Logger, pino } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import { type ChangeEvent, composeVersion, type Position, type Row } from '../../core/change-event.js';
import { ErrorCodes, errorMessage, SynclineError } from '../../core/errors.js';
import { toJson } from '../../core/event-json.js';
import type { Batch, DeadLetterStore, Source } from '../../core/interfaces.js';
import { type ChunkTable, describeChunkTable } from '../mysql-binlog/snapshot/chunk-reader.js';
import { splitTable, tableMatcher } from '../mysql-binlog/table-patterns.js';
import { readCurrentRows } from './current-rows.js';
import { type OutboxRow, outboxDdl, parseOutboxRow, quoteTable } from './outbox-table.js';
import { RelaySequence } from './relay-sequence.js';
import { onOutboxWrite } from './wake.js';

/** Ceiling of the backoff between failed reads (the first retry waits up to 2 × pollIntervalMs). */
const MAX_RETRY_MS = 5_000;

export interface OutboxSourceOptions {
  /** Pipeline name (dead letters, logs). */
  readonly name: string;
  readonly pool: Pool;
  /** `database.table` of the outbox. */
  readonly outboxTable: string;
  /** Aggregate tables this outbox carries (patterns); rows of other tables are dead-lettered. */
  readonly tables: readonly string[];
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly pruneBatchSize: number;
  readonly deadLetters: DeadLetterStore;
  /** Database of Syncline's own tables: the relay's version sequence lives there (relay-sequence.ts). */
  readonly internalDatabase: string;
  /** Key columns of `database.table` where the mapping names them (mappings[].keyColumns); else the primary key. */
  readonly keyColumns?: ReadonlyMap<string, readonly string[]>;
  readonly logger?: Logger;
}

export interface OutboxSourceStats {
  /** Rows turned into events (or dead letters) and handed to the pipeline. */
  read: number;
  /** Rows deleted after their batch was acknowledged. */
  pruned: number;
  /** Malformed rows or rows of tables not in `tables`, stored as dead letters. */
  invalid: number;
  /** Highest outbox id read in this run. */
  lastReadId: string;
  /** Polls that found nothing. */
  idlePolls: number;
  /** Last value taken from the relay's version sequence ('0' before the first). */
  sequence: string;
}

/** An outbox row naming a key of a carried table. */
interface Notice {
  readonly id: bigint;
  /** The row's change as written (its table, key, op and created_at are used). */
  readonly event: ChangeEvent;
  /** The key's values in the table's key column order. */
  readonly values: unknown[];
  /** A notification of this batch announced a delete of the key (the row may be back since). */
  deleted: boolean;
}

/** A batch of outbox rows resolved into events. */
interface Resolved {
  readonly events: ChangeEvent[];
  /** The version sequence value of the events (undefined when no row named a readable key). */
  readonly seq?: bigint;
  /** Ids of the rows the events stand for. */
  readonly valid: bigint[];
  readonly invalid: Array<{ id: bigint; event: ChangeEvent; error: string }>;
}

/** The values of `t`'s key columns in an aggregate_key (names matched case-insensitively), or what is wrong. */
function keyValues(t: ChunkTable, key: Row): unknown[] | string {
  const byName = new Map(Object.entries(key).map(([k, v]) => [k.toLowerCase(), v]));
  const values: unknown[] = [];
  for (const c of t.keyColumns) {
    const v = byName.get(c.toLowerCase());
    if (v === undefined || v === null)
      return `aggregate_key has no value for key column ${c} of ${t.qualified}`;
    if (typeof v === 'object' && !Buffer.isBuffer(v))
      return `aggregate_key.${c} is not a scalar: ${toJson(v).slice(0, 100)}`;
    values.push(v);
  }
  return values;
}

/** A batch handed out and not yet deleted from the outbox. */
interface Shipped {
  readonly ids: bigint[];
  readonly min: bigint;
  acked: boolean;
}

/**
 * The outbox relay's source. Outbox rows are notifications — "this key of this table changed" — read
 * in id order; for each batch the relay takes a value `seq` from its version sequence (a committed
 * counter), then reads the named rows as they are now (one statement per table and batch), and hands
 * the pipeline an upsert for each row found and a delete for each row gone, versioned
 * composeVersion(seq, order in the batch). Shipped outbox rows are deleted once their batch is
 * acknowledged (applied, stale or dead-lettered in the index).
 *
 * Why not version with the outbox id: AUTO_INCREMENT ids are handed out at insert, not at commit, so a
 * transaction that inserts its outbox row before it locks the entity row can hold a lower id and commit
 * the newer state. Here the order of the versions is the order of the reads: a change's notification is
 * read after it committed, the seq is taken after that read, and the row is read after the seq, so the
 * write with the highest version of a key read the key's last state. Replays (a kill -9 before the
 * prune, a standby that read the same rows) read the row again: harmless.
 *
 * The ids still matter for not losing late commits: the relay never skips ids by a high-water mark. Each
 * read takes the rows above the last id read *and* every row below the oldest batch still in flight —
 * which, since shipped rows are deleted by their exact ids, are exactly the rows that committed late.
 */
export class OutboxSource implements Source {
  readonly name: string;
  readonly stats: OutboxSourceStats = {
    read: 0,
    pruned: 0,
    invalid: 0,
    lastReadId: '0',
    idlePolls: 0,
    sequence: '0',
  };
  private readonly log: Logger;
  private readonly table: string;
  private readonly carries: (database: string, table: string) => boolean;
  private readonly inFlight: Shipped[] = [];
  private readonly sequence: RelaySequence;
  /** Key columns per aggregate table, looked up once (again after a failed read: the schema may have changed). */
  private readonly described = new Map<string, ChunkTable>();
  private pruning: Promise<void> = Promise.resolve();
  private woken = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: OutboxSourceOptions) {
    this.name = o.name;
    this.table = quoteTable(o.outboxTable);
    this.carries = tableMatcher(o.tables);
    this.sequence = new RelaySequence(o.pool, o.internalDatabase, o.outboxTable);
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'outbox', pipeline: o.name });
  }

  async *start(from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch> {
    await this.o.pool.query(outboxDdl(this.o.outboxTable));
    this.log.info(
      { outboxTable: this.o.outboxTable, checkpoint: from?.label ?? 'none' },
      `outbox relay ${this.name}: shipping ${this.o.outboxTable} from its oldest row`,
    );
    const unsubscribe = onOutboxWrite(this.o.outboxTable, () => {
      this.woken = true;
      this.wake?.();
    });
    let lastRead = 0n;
    let failures = 0;
    try {
      while (!signal.aborted) {
        let resolved: Resolved | undefined;
        try {
          void this.prune();
          let floor = lastRead + 1n;
          for (const b of this.inFlight) if (b.min < floor) floor = b.min;
          this.woken = false;
          // the payload is not read: the relay indexes the row as it is now (see the class comment)
          const [result] = await this.o.pool.query(
            `SELECT id, aggregate_table, aggregate_key, op, NULL AS payload, created_at FROM ${this.table}
             WHERE id < ? OR id > ? ORDER BY id LIMIT ?`,
            [floor.toString(), lastRead.toString(), this.o.batchSize],
          );
          const rows = result as OutboxRow[];
          if (rows.length > 0) resolved = await this.resolve(rows);
          failures = 0;
        } catch (e) {
          if (signal.aborted) break;
          this.described.clear();
          failures++;
          const delay = fullJitter(failures, { initialMs: this.o.pollIntervalMs, maxMs: MAX_RETRY_MS });
          this.log.warn(
            { code: ErrorCodes.SOURCE_UNREACHABLE.code, err: errorMessage(e), retryInMs: delay },
            `outbox relay ${this.name}: reading ${this.o.outboxTable} or the rows it names failed; retrying`,
          );
          await this.sleep(delay, signal);
          continue;
        }
        if (resolved === undefined) {
          this.stats.idlePolls++;
          await this.sleep(this.o.pollIntervalMs, signal);
          continue;
        }
        const shipped = await this.settleInvalid(resolved);
        if (shipped.ids.length === 0) {
          // every row failed to reach the dead-letter store: they are read again after a pause
          await this.sleep(this.o.pollIntervalMs, signal);
          continue;
        }
        for (const id of shipped.ids) if (id > lastRead) lastRead = id;
        this.stats.lastReadId = lastRead.toString();
        this.stats.read += shipped.ids.length;
        this.inFlight.push(shipped);
        const seq = resolved.seq ?? BigInt(this.stats.sequence);
        yield {
          events: resolved.events,
          position: {
            version: composeVersion(seq, resolved.events.length),
            checkpoint: { outboxTable: this.o.outboxTable, id: lastRead.toString(), seq: seq.toString() },
            label: `outbox ${this.o.outboxTable} id ${lastRead} seq ${seq}`,
          },
          ack: async () => {
            shipped.acked = true;
            await this.prune();
          },
        };
      }
    } finally {
      unsubscribe();
    }
  }

  /**
   * One batch of outbox rows → the events of the rows they name, read now. Throws (and is retried
   * whole) when the database cannot answer; malformed rows are returned apart, for the dead-letter store.
   */
  private async resolve(rows: OutboxRow[]): Promise<Resolved> {
    const invalid: Resolved['invalid'] = [];
    const valid: bigint[] = [];
    /** table → distinct keys (by their JSON) → the latest notification of that key */
    const byTable = new Map<string, { t: ChunkTable; keys: Map<string, Notice> }>();
    for (const r of rows) {
      const parsed = parseOutboxRow(r, this.o.outboxTable);
      const ev = parsed.event;
      const { database, table } = ev.source;
      let error = !parsed.ok
        ? parsed.error
        : !this.carries(database, table)
          ? `outbox row ${parsed.id}: ${database}.${table} is not in source.tables of pipeline ${this.name}`
          : undefined;
      let notice: Notice | undefined;
      if (error === undefined) {
        const qualified = `${database}.${table}`;
        const t = await this.describe(qualified);
        if (typeof t === 'string') error = `outbox row ${parsed.id}: ${t}`;
        else {
          const values = keyValues(t, ev.key);
          if (typeof values === 'string') error = `outbox row ${parsed.id}: ${values}`;
          else {
            const group = byTable.get(qualified) ?? { t, keys: new Map() };
            byTable.set(qualified, group);
            const k = toJson(values);
            const deleted = ev.op === 'd' || group.keys.get(k)?.deleted === true;
            notice = { id: parsed.id, event: ev, values, deleted };
            group.keys.delete(k); // re-inserted: keys keep the order of their latest notification
            group.keys.set(k, notice);
          }
        }
      }
      if (error !== undefined) invalid.push({ id: parsed.id, event: ev, error });
      else valid.push(parsed.id);
    }
    if (byTable.size === 0) return { events: [], valid, invalid };
    // the order that makes the versions follow the commits: rows read above, seq taken, then rows read below
    const seq = await this.sequence.next();
    this.stats.sequence = seq.toString();
    const events: ChangeEvent[] = [];
    for (const { t, keys } of byTable.values()) {
      const notices = [...keys.values()];
      const current = await readCurrentRows(
        this.o.pool,
        t,
        notices.map((n) => n.values),
      );
      notices.forEach((n, i) => {
        const found = current[i]!;
        if (found.length === 0) {
          events.push(this.event(n, seq, events.length, 'd', n.event.key, null));
          return;
        }
        // deleted and there again (re-created, or the delete read late): the delete is handed on first —
        // what the row's delete did silently (ON DELETE SET NULL / CASCADE) is only found from it
        if (n.deleted) events.push(this.event(n, seq, events.length, 'd', n.event.key, null));
        for (const row of found) {
          const key = Object.fromEntries(t.keyColumns.map((c) => [c, row[c]]));
          const op = n.event.op === 'c' && !n.deleted ? 'c' : 'u';
          events.push(this.event(n, seq, events.length, op, key, row));
        }
      });
    }
    return { events, seq, valid, invalid };
  }

  private event(
    n: Notice,
    seq: bigint,
    order: number,
    op: 'c' | 'u' | 'd',
    key: Row,
    after: Row | null,
  ): ChangeEvent {
    return {
      op,
      before: op === 'd' ? key : null,
      after,
      key,
      source: {
        ...n.event.source,
        position: {
          version: composeVersion(seq, order),
          checkpoint: { outboxTable: this.o.outboxTable, id: n.id.toString(), seq: seq.toString() },
          label: `outbox ${this.o.outboxTable} id ${n.id} seq ${seq}`,
        },
      },
      transaction: { id: `outbox:${seq}`, order },
    };
  }

  /** The key columns of an aggregate table, or why its rows cannot be read (no such table, no key). */
  private async describe(qualified: string): Promise<ChunkTable | string> {
    const known = this.described.get(qualified);
    if (known) return known;
    const { database, table } = splitTable(qualified);
    const [cols] = await this.o.pool.query(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    const columns = new Set((cols as Array<{ c: string }>).map((r) => r.c.toLowerCase()));
    if (columns.size === 0) return `cannot read ${qualified}: no such table`;
    let t: ChunkTable;
    try {
      t = await describeChunkTable(this.o.pool, qualified, this.o.keyColumns?.get(qualified));
    } catch (e) {
      if (e instanceof SynclineError && e.code === ErrorCodes.NO_PRIMARY_KEY.code)
        return `cannot read ${qualified}: ${e.message}`;
      throw e;
    }
    const unknown = t.keyColumns.find((c) => !columns.has(c.toLowerCase()));
    if (unknown !== undefined) return `cannot read ${qualified}: no key column ${unknown}`;
    this.described.set(qualified, t);
    return t;
  }

  /** Malformed rows to the dead-letter store; the batch to prune: valid rows and dead-lettered ones. */
  private async settleInvalid(r: Resolved): Promise<Shipped> {
    const ids = [...r.valid];
    for (const { id, event, error } of r.invalid) {
      try {
        await this.o.deadLetters.put({
          pipeline: this.name,
          index: `outbox:${this.o.outboxTable}`,
          docId: `outbox-id:${id}`,
          kind: 'invalid-event',
          error,
          attempts: 1,
          event,
        });
        this.stats.invalid++;
        ids.push(id);
        this.log.warn({ code: ErrorCodes.OUTBOX_ROW_INVALID.code, error }, 'outbox row dead-lettered');
      } catch (e) {
        this.log.warn({ err: errorMessage(e), error }, 'dead-letter store failed for an invalid outbox row');
      }
    }
    let min = ids[0] ?? 0n;
    for (const id of ids) if (id < min) min = id;
    return { ids, min, acked: false };
  }

  /** Deletes acknowledged batches in order (serialized; a failure is retried on the next call). */
  private prune(): Promise<void> {
    this.pruning = this.pruning.then(async () => {
      while (this.inFlight[0]?.acked) {
        const head = this.inFlight[0];
        try {
          for (let i = 0; i < head.ids.length; i += this.o.pruneBatchSize) {
            const chunk = head.ids.slice(i, i + this.o.pruneBatchSize).map(String);
            const [res] = await this.o.pool.query<ResultSetHeader>(
              `DELETE FROM ${this.table} WHERE id IN (?)`,
              [chunk],
            );
            this.stats.pruned += res.affectedRows;
          }
        } catch (e) {
          this.log.warn(
            { err: errorMessage(e) },
            `outbox relay ${this.name}: pruning failed; retrying later`,
          );
          return;
        }
        this.inFlight.shift();
      }
    });
    return this.pruning;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
