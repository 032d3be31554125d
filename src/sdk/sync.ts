import { setMaxListeners } from 'node:events';
import type mysql from 'mysql2/promise';
import { type Logger, pino } from 'pino';
import { resolveConfig } from '../config/load.js';
import type { SynclineConfig } from '../config/schema.js';
import type { ChangeEvent, Row } from '../core/change-event.js';
import { errorMessage, SynclineError } from '../core/errors.js';
import type { DeadLetterKind, DeadLetterStore, IndexOp, OpOutcome } from '../core/interfaces.js';
import { MysqlDeadLetterStore } from '../dead-letter/mysql-dead-letter-store.js';
import type { MappingSet } from '../mapping/mapping-set.js';
import { createDbPool } from '../runtime/clients.js';
import { prepareMappings } from '../runtime/pipelines.js';
import { BulkSink } from '../sinks/search/bulk-sink.js';
import { SearchClient } from '../sinks/search/client.js';
import { splitTable } from '../sources/mysql-binlog/table-patterns.js';
import { type CommitStamp, readCommitStamp, type SqlSession, stampOf, versionOf } from './commit-stamp.js';

export interface SyncOptions {
  /** A Syncline config (validated object, or raw keys as in syncline.yaml). Defaults fill the rest. */
  config?: SynclineConfig | Record<string, unknown>;
  /** Search client (default: one on config.search). */
  search?: SearchClient;
  /** MariaDB pool for loading mappings and the dead-letter store (default: one on config.mysql.url). */
  db?: mysql.Pool;
  /** Mappings (default: config.mappings, loaded from INFORMATION_SCHEMA, their indexes created). */
  mappings?: MappingSet;
  /** Dead-letter store (default: `<internalDatabase>.dead_letters` on `db`). */
  deadLetters?: DeadLetterStore;
  /** Database of table names given without one (default: the database of config.mysql.url). */
  defaultDatabase?: string;
  /** Name of this writer in the dead-letter store (default "dual-write"). */
  name?: string;
  /** Attempts per change before it is dead-lettered (default sdk.maxAttempts). */
  maxAttempts?: number;
  /** Changes accepted and not yet settled; beyond it a change is dead-lettered at once (default sdk.maxQueued). */
  maxQueued?: number;
  /** How long a change waits to share a `_bulk` request (default 0: sent at once). */
  lingerMs?: number;
  logger?: Logger;
}

/** How a change ended: applied, already superseded in the index (stale), or in the dead-letter store. */
export type SyncOutcome = 'ok' | 'stale' | 'dead';

export interface SyncReceipt {
  readonly outcome: SyncOutcome;
  /** The external version the change was written with. */
  readonly version: bigint;
  /** One outcome per index operation (a table mapped to several indexes has several). */
  readonly outcomes: readonly OpOutcome[];
}

export interface WriteOptions {
  /** The connection that ran COMMIT (mysql2 connection, TypeORM QueryRunner or transaction manager). */
  connection?: SqlSession;
  /** The committed transaction's stamp (from `sync.committed(conn)` or `readCommitStamp`). */
  stamp?: CommitStamp;
  /** The committed transaction's GTID, when the caller read it itself. */
  gtid?: string;
  /** Position of this change among the transaction's row changes, 0-based, in write order (default 0). */
  order?: number;
  /** 'c' for a row the transaction created (informational: both index the row). Default 'u'. */
  op?: 'c' | 'u';
}

export interface SyncStats {
  /** Changes accepted and not settled yet. */
  pending: number;
  ok: number;
  stale: number;
  dead: number;
  /** Changes dead-lettered because maxQueued was reached. */
  overflowed: number;
  /** Item re-sends after transient engine failures. */
  retried: number;
}

/**
 * Dual-write from any handler: after the database commit, `index(table, row)` / `remove(table, key)`
 * write the row through the same mapping and bulk sink as CDC — external versions from the commit's
 * GTID, retries with capped jittered backoff, dead letters after `maxAttempts`. See docs/dual-write.md.
 */
export class Sync {
  private readonly pending = new Set<Promise<SyncReceipt>>();
  private readonly counts = { ok: 0, stale: 0, dead: 0, overflowed: 0 };
  private readonly stop = new AbortController();
  private closed = false;

  constructor(
    readonly config: SynclineConfig,
    readonly mappings: MappingSet,
    private readonly sink: BulkSink,
    private readonly deadLetters: DeadLetterStore,
    private readonly o: {
      name: string;
      defaultDatabase: string | undefined;
      maxQueued: number;
      logger: Logger;
      owned: { db?: mysql.Pool; search?: SearchClient };
      signalSink: AbortController;
    },
  ) {
    // every pending write listens on `stop`: thousands may be pending at once
    setMaxListeners(0, this.stop.signal);
  }

  /** True while maxQueued changes are pending: the next one goes straight to the dead-letter store. */
  get full(): boolean {
    return this.pending.size >= this.o.maxQueued;
  }

  /** True when the table (database.table) has a mapping, i.e. index()/remove() accept it. */
  handles(database: string, table: string): boolean {
    return this.mappings.handles(database, table);
  }

  /** Reads @@last_gtid on the connection that just committed; the returned scope numbers changes 0, 1, 2… */
  async committed(connection: SqlSession): Promise<CommittedTransaction> {
    return new CommittedTransaction(this, await readCommitStamp(connection));
  }

  /** A scope for a transaction whose GTID the caller already has. */
  transaction(stamp: CommitStamp | string): CommittedTransaction {
    return new CommittedTransaction(this, typeof stamp === 'string' ? stampOf(stamp) : stamp);
  }

  /** Indexes the committed row. Resolves when it is applied, stale or dead-lettered. */
  async index(table: string, row: Row, opts: WriteOptions = {}): Promise<SyncReceipt> {
    const { database, name } = this.resolve(table);
    const { stamp, order } = await this.stampFor(opts);
    return this.enqueue(this.event(opts.op ?? 'u', database, name, null, row, stamp, order));
  }

  /** Deletes the document of a deleted row; `key` holds the key columns (a whole row is fine). */
  async remove(table: string, key: Row, opts: WriteOptions = {}): Promise<SyncReceipt> {
    const { database, name } = this.resolve(table);
    const { stamp, order } = await this.stampFor(opts);
    return this.enqueue(this.event('d', database, name, key, null, stamp, order));
  }

  /**
   * Stores a change that has no version (its commit's GTID could not be read) in the dead-letter store
   * as invalid-event, so it is visible and reconcile/replay can repair the document.
   */
  async unversioned(table: string, row: Row, op: 'u' | 'd', reason: string): Promise<void> {
    const { database, name } = this.resolve(table);
    const stamp = { gtid: '(none)', seqNo: 0n };
    const ev = this.event(op, database, name, op === 'd' ? row : null, op === 'd' ? null : row, stamp, 0);
    await this.park(ev, 'invalid-event', `no commit version: ${reason}`);
  }

  stats(): SyncStats {
    return {
      pending: this.pending.size,
      ...this.counts,
      retried: this.sink.counters.retriedItems,
    };
  }

  /** Waits until every change accepted so far is applied, stale or dead-lettered. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Refuses new changes and waits for the accepted ones. When `signal` aborts first, what is still
   * pending is dead-lettered (retries-exhausted) instead of being dropped, then resources are closed.
   */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const drained = this.flush();
    if (signal && !signal.aborted) {
      await Promise.race([drained, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    }
    if (this.pending.size > 0) {
      this.o.logger.warn(
        { pending: this.pending.size },
        'dual-write closing with unacknowledged changes; storing them as dead letters',
      );
      this.stop.abort();
      this.o.signalSink.abort(new Error('dual-write closed'));
      await this.flush();
    }
    await this.sink.close();
    await Promise.allSettled([this.o.owned.db?.end(), this.o.owned.search?.close()]);
  }

  // ---- internals -------------------------------------------------------------------------------------

  private resolve(table: string): { database: string; name: string } {
    let database: string | undefined;
    let name = table;
    if (table.includes('.')) ({ database, table: name } = splitTable(table));
    else database = this.o.defaultDatabase;
    if (!database) {
      throw new SynclineError(
        'DUAL_WRITE_UNMAPPED',
        `table "${table}" has no database and no default database is set (mysql.url or defaultDatabase)`,
      );
    }
    if (!this.mappings.handles(database, name)) {
      throw new SynclineError('DUAL_WRITE_UNMAPPED', `no mapping for ${database}.${name}`);
    }
    return { database, name };
  }

  private async stampFor(opts: WriteOptions): Promise<{ stamp: CommitStamp; order: number }> {
    if (this.closed) throw new Error('dual-write sync is closed');
    const order = opts.order ?? 0;
    if (!Number.isInteger(order) || order < 0)
      throw new RangeError(`order must be an integer ≥ 0, got ${order}`);
    if (opts.stamp) return { stamp: opts.stamp, order };
    if (opts.gtid !== undefined) return { stamp: stampOf(opts.gtid), order };
    if (opts.connection) return { stamp: await readCommitStamp(opts.connection), order };
    throw new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      'no version for this change: pass { connection } (the one that ran COMMIT), { stamp } or { gtid }',
    );
  }

  private event(
    op: 'c' | 'u' | 'd',
    database: string,
    table: string,
    before: Row | null,
    after: Row | null,
    stamp: CommitStamp,
    order: number,
  ): ChangeEvent {
    const row = (after ?? before)!;
    const key: Row = {};
    for (const m of this.mappings.forTable(database, table))
      for (const k of m.keyColumns) if (k in row) key[k] = row[k];
    return {
      op,
      before,
      after,
      key,
      source: {
        connector: 'dual-write',
        database,
        table,
        position: {
          version: versionOf(stamp, order),
          checkpoint: { gtid: stamp.gtid, order },
          label: `gtid ${stamp.gtid} #${order}`,
        },
        snapshot: false,
        tsMs: Date.now(),
      },
      transaction: { id: stamp.gtid, order },
    };
  }

  private enqueue(ev: ChangeEvent): Promise<SyncReceipt> {
    const p = this.write(ev);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
    return p;
  }

  private async write(ev: ChangeEvent): Promise<SyncReceipt> {
    const version = ev.source.position.version;
    let ops: IndexOp[];
    try {
      ops = this.mappings.toOps(ev);
    } catch (e) {
      await this.park(ev, 'conversion', errorMessage(e));
      return this.count({ outcome: 'dead', version, outcomes: ['dead'] });
    }
    if (this.pending.size >= this.o.maxQueued) {
      this.counts.overflowed++;
      await this.park(ev, 'retries-exhausted', `dual-write queue full (maxQueued ${this.o.maxQueued})`);
      return this.count({ outcome: 'dead', version, outcomes: ops.map(() => 'dead') });
    }
    try {
      const r = await this.sink.write(ops, this.stop.signal);
      const outcome: SyncOutcome = r.dead > 0 ? 'dead' : r.ok > 0 ? 'ok' : 'stale';
      return this.count({ outcome, version, outcomes: r.outcomes });
    } catch (e) {
      // Only on close past its deadline: park the change instead of dropping it.
      await this.park(ev, 'retries-exhausted', `not acknowledged before close: ${errorMessage(e)}`);
      return this.count({ outcome: 'dead', version, outcomes: ops.map(() => 'dead') });
    }
  }

  private count(r: SyncReceipt): SyncReceipt {
    this.counts[r.outcome]++;
    return r;
  }

  /** Dead-letters an event directly (one entry per target index), retrying the store a few times. */
  private async park(ev: ChangeEvent, kind: DeadLetterKind, error: string): Promise<void> {
    const targets = this.mappings.forTable(ev.source.database, ev.source.table);
    for (const m of targets) {
      let docId: string | null = null;
      try {
        docId = m.idOf((ev.after ?? ev.before)!, ev.key);
      } catch {
        docId = JSON.stringify(ev.key);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deadLetters.put({
            pipeline: this.o.name,
            index: m.index,
            docId,
            kind,
            error,
            attempts: 0,
            event: ev,
          });
          break;
        } catch (e) {
          if (attempt >= 5) {
            this.o.logger.error(
              { err: errorMessage(e), index: m.index, docId, kind, error },
              'dual-write: the dead-letter store failed; this change is only in this log line',
            );
            break;
          }
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    }
    this.o.logger.warn(
      { kind, error, table: `${ev.source.database}.${ev.source.table}` },
      'dual-write dead letter',
    );
  }
}

/** The changes of one committed transaction, numbered in call order (their order inside the transaction). */
export class CommittedTransaction {
  private next = 0;

  constructor(
    private readonly sync: Sync,
    readonly stamp: CommitStamp,
  ) {}

  /** The version the next change will get. */
  get nextVersion(): bigint {
    return versionOf(this.stamp, this.next);
  }

  index(table: string, row: Row, op: 'c' | 'u' = 'u'): Promise<SyncReceipt> {
    return this.sync.index(table, row, { stamp: this.stamp, order: this.next++, op });
  }

  remove(table: string, key: Row): Promise<SyncReceipt> {
    return this.sync.remove(table, key, { stamp: this.stamp, order: this.next++ });
  }
}

/**
 * Creates a dual-write client. With only `config`, it opens its own MariaDB pool and search client,
 * loads the mappings of `config.mappings` and creates their indexes (alias over `<index>_v1`), like
 * `syncline run` does.
 */
export async function createSync(options: SyncOptions = {}): Promise<Sync> {
  const { configFile: _file, ...raw } = (options.config ?? {}) as Record<string, unknown>;
  const config = resolveConfig(raw, {}, 'createSync config');
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'dual-write' });
  const owned: { db?: mysql.Pool; search?: SearchClient } = {};
  const needDb = !options.mappings || !options.deadLetters;
  if (!options.db && needDb) owned.db = createDbPool(config);
  const db = options.db ?? owned.db;
  if (!options.search) {
    owned.search = new SearchClient(config.search);
  }
  const search = options.search ?? owned.search!;
  try {
    const mappings = options.mappings ?? (await prepareMappings(config, { db: db! }, search, logger));
    const deadLetters = options.deadLetters ?? new MysqlDeadLetterStore(db!, config.internalDatabase);
    const name = options.name ?? 'dual-write';
    const signalSink = new AbortController();
    const sink = new BulkSink({
      client: search,
      config: {
        ...config.sink,
        batch: { ...config.sink.batch, lingerMs: options.lingerMs ?? 0 },
        retry: { ...config.sink.retry, maxAttempts: options.maxAttempts ?? config.sdk.maxAttempts },
      },
      deadLetters,
      pipeline: name,
      logger,
      signal: signalSink.signal,
    });
    return new Sync(config, mappings, sink, deadLetters, {
      name,
      defaultDatabase: options.defaultDatabase ?? databaseOf(config.mysql.url),
      maxQueued: options.maxQueued ?? config.sdk.maxQueued,
      logger,
      owned,
      signalSink,
    });
  } catch (e) {
    await Promise.allSettled([owned.db?.end(), owned.search?.close()]);
    throw e;
  }
}

function databaseOf(url: string): string | undefined {
  try {
    const db = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return db === '' ? undefined : db;
  } catch {
    return undefined;
  }
}
