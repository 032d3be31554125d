import { type Logger, pino } from 'pino';
import type {
  DataSource,
  EntityManager,
  EntityMetadata,
  EntitySubscriberInterface,
  InsertEvent,
  ObjectLiteral,
  QueryRunner,
  RecoverEvent,
  RemoveEvent,
  SoftRemoveEvent,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
  UpdateEvent,
} from 'typeorm';
import type { Row } from '../core/change-event.js';
import { errorMessage, SynclineError } from '../core/errors.js';
import { callbackQueryable, readRows } from '../mapping/exact-numbers.js';
import { type CommitStamp, readCommitStamp } from '../sdk/commit-stamp.js';
import type { Sync, SyncReceipt } from '../sdk/sync.js';
import { quoteId, tableMatcher } from '../sources/mysql-binlog/table-patterns.js';

export interface SynclineHooksOptions {
  /**
   * Collect entity changes (insert, update, remove, soft-remove, recover) made through the
   * EntityManager / repositories and index them after commit. Default true. With false, the subscriber
   * only serves `commitOf()` (explicit dual-writes, as the catalog API does).
   */
  collectEntities?: boolean;
  /** Only these tables (database.table, `*` wildcards); default every table the Sync has a mapping for. */
  tables?: readonly string[];
  /** Make transaction()/save() wait until the index writes are settled (applied, stale or dead-lettered). */
  waitForIndex?: boolean;
  logger?: Logger;
}

export interface SynclineHooksStats {
  /** Committed transactions that carried at least one collected change. */
  transactions: number;
  /** Changes handed to the Sync after a commit. */
  changes: number;
  /** Changes dropped because their transaction (or savepoint) rolled back. */
  rolledBack: number;
  /** Bulk QueryBuilder updates/deletes seen without an entity key: the hook cannot index them. */
  invisible: number;
  /** Commits whose GTID could not be read: their changes went to the dead-letter store. */
  unversioned: number;
}

interface Change {
  readonly database: string;
  readonly table: string;
  readonly key: Row;
  readonly keyColumns: readonly string[];
}

interface Waiter {
  resolve(stamp: CommitStamp): void;
  reject(e: unknown): void;
}

interface Frame {
  changes: Change[];
  waiters: Waiter[];
}

/** Per-transaction state, kept on the QueryRunner (its `data` bag is meant for subscribers). */
interface TxState {
  frames: Frame[];
}

/**
 * After-commit ORM hooks for TypeORM (docs/orm-hooks.md). Collects the keys of entity changes per
 * transaction (savepoints included: a rolled-back savepoint drops its changes), and after the outermost
 * COMMIT — on the same connection, before TypeORM releases it — reads @@last_gtid and the committed rows,
 * then indexes them through the Sync. Nothing happens on rollback.
 */
export class SynclineSubscriber implements EntitySubscriberInterface {
  readonly stats: SynclineHooksStats = {
    transactions: 0,
    changes: 0,
    rolledBack: 0,
    invisible: 0,
    unversioned: 0,
  };
  private readonly key = Symbol('syncline-hooks');
  private readonly log: Logger;
  private readonly only: ((database: string, table: string) => boolean) | undefined;
  private readonly warned = new Set<string>();

  constructor(
    private readonly sync: Sync,
    private readonly dataSource: DataSource,
    private readonly o: SynclineHooksOptions = {},
  ) {
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'orm-hooks' });
    this.only = o.tables ? tableMatcher(o.tables) : undefined;
  }

  /**
   * The GTID stamp of the transaction `manager` runs in, once it commits (rejects if it rolls back).
   * Must be called inside the transaction. The promise never causes an unhandled rejection.
   */
  commitOf(manager: EntityManager): Promise<CommitStamp> {
    const qr = manager.queryRunner;
    if (!qr?.isTransactionActive) {
      return Promise.reject(
        new SynclineError('DUAL_WRITE_NO_VERSION', 'commitOf() needs the manager of an active transaction'),
      );
    }
    const p = new Promise<CommitStamp>((resolve, reject) => this.top(qr).waiters.push({ resolve, reject }));
    p.catch(() => {});
    return p;
  }

  // ---- transaction boundaries ------------------------------------------------------------------------

  afterTransactionStart(event: TransactionStartEvent): void {
    this.state(event.queryRunner).frames.push({ changes: [], waiters: [] });
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const qr = event.queryRunner;
    const st = this.peek(qr);
    if (!st) return;
    if (qr.isTransactionActive) {
      // a savepoint was released: its changes now belong to the enclosing transaction
      const inner = st.frames.pop();
      if (inner) {
        const outer = this.top(qr);
        outer.changes.push(...inner.changes);
        outer.waiters.push(...inner.waiters);
      }
      return;
    }
    this.clear(qr);
    // Never throw from here: the COMMIT has happened, and an exception would tell the caller otherwise.
    await this.dispatch(qr, st.frames).catch((e: unknown) =>
      this.log.error({ err: errorMessage(e) }, 'orm hooks: after-commit dispatch failed'),
    );
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const qr = event.queryRunner;
    const st = this.peek(qr);
    if (!st) return;
    const dropped = qr.isTransactionActive ? [st.frames.pop()] : st.frames.splice(0);
    if (!qr.isTransactionActive) this.clear(qr);
    const reason = new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      qr.isTransactionActive ? 'rolled back to a savepoint' : 'transaction rolled back',
    );
    for (const f of dropped) {
      if (!f) continue;
      this.stats.rolledBack += f.changes.length;
      for (const w of f.waiters) w.reject(reason);
    }
  }

  // ---- entity events ---------------------------------------------------------------------------------

  afterInsert(event: InsertEvent<ObjectLiteral>): Promise<void> | undefined {
    return this.collect(event.queryRunner, event.metadata, [
      idMap(event.metadata, event.entityId),
      event.entity,
    ]);
  }

  afterUpdate(event: UpdateEvent<ObjectLiteral>): Promise<void> | undefined {
    return this.collect(event.queryRunner, event.metadata, [event.databaseEntity, event.entity]);
  }

  afterRemove(event: RemoveEvent<ObjectLiteral>): Promise<void> | undefined {
    return this.collect(event.queryRunner, event.metadata, [
      idMap(event.metadata, event.entityId),
      event.databaseEntity,
      event.entity,
    ]);
  }

  afterSoftRemove(event: SoftRemoveEvent<ObjectLiteral>): Promise<void> | undefined {
    return this.afterRemove(event);
  }

  afterRecover(event: RecoverEvent<ObjectLiteral>): Promise<void> | undefined {
    return this.afterRemove(event);
  }

  // ---- internals -------------------------------------------------------------------------------------

  private collect(
    qr: QueryRunner,
    metadata: EntityMetadata,
    candidates: ReadonlyArray<ObjectLiteral | undefined>,
  ): Promise<void> | undefined {
    if (this.o.collectEntities === false) return undefined;
    const database = metadata.database ?? this.dataSource.driver.database;
    const table = metadata.tableName;
    if (!database || !this.sync.handles(database, table)) return undefined;
    if (this.only && !this.only(database, table)) return undefined;
    const keyColumns = metadata.primaryColumns.map((c) => c.databaseName);
    let key: Row | undefined;
    for (const c of candidates) {
      key = keyOf(metadata, c);
      if (key) break;
    }
    if (!key) {
      this.stats.invisible++;
      if (!this.warned.has(table)) {
        this.warned.add(table);
        this.log.warn(
          { table: `${database}.${table}` },
          'orm hooks: a bulk QueryBuilder update/delete has no entity key and cannot be indexed; use CDC or the outbox for such writes (docs/orm-hooks.md)',
        );
      }
      return undefined;
    }
    const change: Change = { database, table, key, keyColumns };
    if (qr.isTransactionActive) {
      this.top(qr).changes.push(change);
      return undefined;
    }
    // autocommit statement (QueryBuilder without a transaction): it is committed already
    return this.dispatch(qr, [{ changes: [change], waiters: [] }]).catch((e: unknown) =>
      this.log.error({ err: errorMessage(e) }, 'orm hooks: dispatch failed'),
    );
  }

  private async dispatch(qr: QueryRunner, frames: Frame[]): Promise<void> {
    const waiters = frames.flatMap((f) => f.waiters);
    const changes = dedupe(frames.flatMap((f) => f.changes));
    if (waiters.length === 0 && changes.length === 0) return;
    let stamp: CommitStamp;
    try {
      stamp = await readCommitStamp(qr);
    } catch (e) {
      for (const w of waiters) w.reject(e);
      if (changes.length > 0) await this.unversioned(changes, errorMessage(e));
      return;
    }
    for (const w of waiters) w.resolve(stamp);
    if (changes.length === 0) return;
    this.stats.transactions++;
    let rows: Map<string, Row>;
    try {
      rows = await this.reread(qr, changes);
    } catch (e) {
      await this.unversioned(changes, `re-reading the committed rows failed: ${errorMessage(e)}`);
      return;
    }
    const tx = this.sync.transaction(stamp);
    const receipts: Array<Promise<SyncReceipt>> = [];
    for (const c of changes) {
      const row = rows.get(rowKey(c.database, c.table, c.keyColumns, c.key));
      const qualified = `${c.database}.${c.table}`;
      receipts.push(row ? tx.index(qualified, row) : tx.remove(qualified, c.key));
      this.stats.changes++;
    }
    const settled = Promise.allSettled(receipts).then((rs) => {
      for (const r of rs)
        if (r.status === 'rejected')
          this.log.error({ err: errorMessage(r.reason) }, 'orm hooks: an index write was refused');
    });
    if (this.o.waitForIndex) await settled;
  }

  /** The committed state of each changed row (absent: deleted), read after COMMIT on the same connection. */
  private async reread(qr: QueryRunner, changes: readonly Change[]): Promise<Map<string, Row>> {
    // its connection (read below) may belong to someone else once released
    if (qr.isReleased) throw new Error('the query runner was released before the committed rows were read');
    const out = new Map<string, Row>();
    const byTable = new Map<string, Change[]>();
    for (const c of changes) {
      const t = `${c.database}.${c.table}`;
      const list = byTable.get(t) ?? [];
      list.push(c);
      byTable.set(t, list);
    }
    for (const list of byTable.values()) {
      const { database, table, keyColumns } = list[0]!;
      const from = `${quoteId(database)}.${quoteId(table)}`;
      const cols = keyColumns.map(quoteId);
      for (let i = 0; i < list.length; i += 500) {
        const chunk = list.slice(i, i + 500);
        const [sql, params] =
          cols.length === 1
            ? [`SELECT * FROM ${from} WHERE ${cols[0]} IN (?)`, [chunk.map((c) => c.key[keyColumns[0]!])]]
            : [
                `SELECT * FROM ${from} WHERE (${cols.join(', ')}) IN (?)`,
                [chunk.map((c) => keyColumns.map((k) => c.key[k]))],
              ];
        // the driver's connection itself: FLOAT and DOUBLE read exactly, as every row read (exact-numbers.ts)
        const rows = await readRows(callbackQueryable(await qr.connect()), database, table, sql, params);
        for (const r of rows) out.set(rowKey(database, table, keyColumns, r), { ...r });
      }
    }
    return out;
  }

  private async unversioned(changes: readonly Change[], reason: string): Promise<void> {
    this.stats.unversioned += changes.length;
    this.log.error({ changes: changes.length, reason }, 'orm hooks: committed changes without a version');
    for (const c of changes) {
      await this.sync
        .unversioned(`${c.database}.${c.table}`, c.key, 'u', reason)
        .catch((e: unknown) => this.log.error({ err: errorMessage(e) }, 'orm hooks: dead-letter failed'));
    }
  }

  private state(qr: QueryRunner): TxState {
    const data = qr.data as Record<symbol, TxState | undefined>;
    let st = data[this.key];
    if (!st) data[this.key] = st = { frames: [] };
    return st;
  }

  private peek(qr: QueryRunner): TxState | undefined {
    return (qr.data as Record<symbol, TxState | undefined>)[this.key];
  }

  private clear(qr: QueryRunner): void {
    delete (qr.data as Record<symbol, TxState | undefined>)[this.key];
  }

  /** The innermost open frame (created when the subscriber was attached mid-transaction). */
  private top(qr: QueryRunner): Frame {
    const st = this.state(qr);
    if (st.frames.length === 0) st.frames.push({ changes: [], waiters: [] });
    return st.frames[st.frames.length - 1]!;
  }
}

/** Primary-key columns (database names) → values of an entity, id map or value set; undefined if incomplete. */
function keyOf(metadata: EntityMetadata, entity: ObjectLiteral | undefined): Row | undefined {
  if (!entity || typeof entity !== 'object') return undefined;
  const key: Row = {};
  for (const col of metadata.primaryColumns) {
    const v = col.getEntityValue(entity);
    if (v === undefined || v === null) return undefined;
    key[col.databaseName] = v;
  }
  return metadata.primaryColumns.length > 0 ? key : undefined;
}

/** TypeORM's "mixed" id (the bare value for a single primary key) as an id map. */
function idMap(metadata: EntityMetadata, id: unknown): ObjectLiteral | undefined {
  if (id === undefined || id === null) return undefined;
  if (typeof id === 'object' && !Array.isArray(id) && !(id instanceof Date)) return id as ObjectLiteral;
  const pk = metadata.primaryColumns;
  if (pk.length !== 1) return undefined;
  const out: ObjectLiteral = {};
  pk[0]!.setEntityValue(out, id);
  return out;
}

function rowKey(database: string, table: string, cols: readonly string[], row: Row): string {
  return JSON.stringify([database, table, ...cols.map((c) => String(row[c]))]);
}

/** One change per row, at the position of its last occurrence (its final state is what gets indexed). */
function dedupe(changes: readonly Change[]): Change[] {
  const last = new Map<string, number>();
  changes.forEach((c, i) => {
    last.set(rowKey(c.database, c.table, c.keyColumns, c.key), i);
  });
  return changes.filter((c, i) => last.get(rowKey(c.database, c.table, c.keyColumns, c.key)) === i);
}
