import type { BinlogPipelineConfig, SynclineConfig } from '../../../config/schema.js';
import type { Position } from '../../../core/change-event.js';
import type { Batch, Source } from '../../../core/interfaces.js';
import {
  BinlogReader,
  type BinlogReaderOptions,
  type ReaderStats,
  type ReconnectInfo,
} from './binlog-reader.js';
import { type BinlogConnectionConfig, controlPool } from './connection.js';
import { LagTracker } from './lag-tracker.js';
import { startPointOf } from './position.js';
import { compileTableFilter } from './table-filter.js';
import { type ConfiguredKeys, InformationSchemaMetadata, type TableMetadata } from './table-metadata.js';
import { type AssembledChunk, type SchemaChange, TransactionAssembler } from './transaction-assembler.js';

/** A binlog batch: whole transactions, plus the DDL on captured tables they contained. */
export interface BinlogBatch extends Batch {
  readonly schemaChanges: readonly SchemaChange[];
  /** GTIDs of the transactions in this batch (one, unless several small ones were coalesced). */
  readonly transactions: readonly string[];
}

export interface BinlogSourceOptions {
  readonly connection: BinlogConnectionConfig;
  readonly serverId: number;
  /** database.table patterns with * wildcards. */
  readonly tables: readonly string[];
  /** Key columns for tables without a primary key (`database.table` → columns). */
  readonly keyColumns?: ConfiguredKeys;
  /** Server heartbeat and lag-poll period; 0 disables heartbeats (lag is then polled every 5 s). Default 5000. */
  readonly heartbeatMs?: number;
  /** Events per batch when coalescing transactions, and the part size of a split huge transaction. Default 1000. */
  readonly maxBatchEvents?: number;
  /** Transactions coalesced into one batch at most. Default unlimited (bounded by maxBatchEvents). */
  readonly maxTransactionsPerBatch?: number;
  /** Changes of one transaction held before it is emitted in parts. Default 10 000. */
  readonly maxTransactionEvents?: number;
  /**
   * When only other tables' transactions pass, an empty batch carrying the position is emitted at most
   * this often, so the checkpoint keeps up with an idle captured set. Default 1000.
   */
  readonly idleCheckpointMs?: number;
  /** Start point without a checkpoint: the current end (default; a snapshot covers the past) or the oldest binlog. */
  readonly whenNoPosition?: 'end' | 'beginning';
  readonly reader?: Pick<
    BinlogReaderOptions,
    'highWaterMark' | 'lowWaterMark' | 'reconnect' | 'sessionVariables' | 'rowDecoder'
  >;
  /** Awaited before the batch that carries the DDL is yielded, so later rows find refreshed descriptors. */
  readonly onSchemaChange?: (change: SchemaChange) => void | Promise<void>;
  readonly onReconnect?: (info: ReconnectInfo) => void;
  readonly onWarning?: (message: string) => void;
  /** Keys and JSON columns; default: configured keys, binlog metadata, then INFORMATION_SCHEMA. */
  readonly metadata?: TableMetadata;
}

export interface BinlogSourceStats {
  readonly reader: ReaderStats | undefined;
  readonly lagSeconds: number;
  /** GTID position after the last transaction processed (captured or not). */
  readonly position: string | undefined;
  readonly serverPosition: string | undefined;
  readonly batches: number;
  readonly events: number;
}

const ack = (): Promise<void> => Promise.resolve();

interface Accumulated {
  events: BinlogBatch['events'][number][];
  schemaChanges: SchemaChange[];
  transactions: string[];
  position: Position | undefined;
}

/**
 * The binlog streaming source: BinlogReader → TransactionAssembler → batches of whole transactions.
 * Checkpointing is the pipeline's job (it commits a batch's position once the batch is acknowledged), so
 * ack() has nothing to do here.
 */
export class BinlogSource implements Source {
  readonly name = 'mysql-binlog';
  private readonly o: BinlogSourceOptions;
  private reader: BinlogReader | undefined;
  private lag: LagTracker | undefined;
  private processed: string | undefined;
  private batches = 0;
  private events = 0;

  constructor(options: BinlogSourceOptions) {
    this.o = options;
  }

  lagSeconds(): number {
    return this.lag?.lagSeconds() ?? 0;
  }

  stats(): BinlogSourceStats {
    return {
      reader: this.reader?.stats,
      lagSeconds: this.lagSeconds(),
      position: this.processed,
      serverPosition: this.lag?.serverPosition,
      batches: this.batches,
      events: this.events,
    };
  }

  async *start(from: Position | undefined, signal: AbortSignal): AsyncIterable<BinlogBatch> {
    const o = this.o;
    const tables = compileTableFilter(o.tables);
    const pool = controlPool(o.connection);
    const metadata = o.metadata ?? new InformationSchemaMetadata(pool, o.keyColumns);
    const heartbeatMs = o.heartbeatMs ?? 5000;
    const maxBatch = o.maxBatchEvents ?? 1000;
    const maxTx = o.maxTransactionsPerBatch ?? Number.POSITIVE_INFINITY;
    const idleMs = o.idleCheckpointMs ?? 1000;
    const reader = new BinlogReader({
      connection: o.connection,
      serverId: o.serverId,
      start: startPointOf(from, o.whenNoPosition),
      tableFilter: tables,
      heartbeatMs,
      ...o.reader,
      ...(o.onReconnect && { onReconnect: o.onReconnect }),
    });
    const assembler = new TransactionAssembler({
      tables,
      metadata,
      maxTransactionEvents: o.maxTransactionEvents ?? 10_000,
      ...(o.onWarning && { onWarning: o.onWarning }),
    });
    const lag = new LagTracker(pool, heartbeatMs > 0 ? Math.min(heartbeatMs, 5000) : 5000);
    this.reader = reader;
    this.lag = lag;

    const emit = async (acc: Accumulated): Promise<BinlogBatch> => {
      for (const change of acc.schemaChanges) await o.onSchemaChange?.(change);
      this.batches += 1;
      this.events += acc.events.length;
      return {
        events: acc.events,
        position: acc.position,
        schemaChanges: acc.schemaChanges,
        transactions: acc.transactions,
        ack,
      };
    };
    const fresh = (c: AssembledChunk): Accumulated => ({
      events: [...c.events],
      schemaChanges: [...c.schemaChanges],
      transactions: [c.gtid],
      position: c.position,
    });

    const onAbort = () => void reader.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        this.processed = await reader.start();
      } catch (e) {
        if (signal.aborted) return; // stopped while still connecting
        throw e;
      }
      lag.start(this.processed);
      let acc: Accumulated | undefined;
      // Position of other tables' transactions not yet handed out, and when one last was.
      let idle: Position | undefined;
      let lastPositionAt = Date.now();

      while (!signal.aborted) {
        const wait = idle ? Math.max(1, idleMs - (Date.now() - lastPositionAt)) : undefined;
        // Buffered events are taken without a promise each; next() waits when none is.
        const ev = reader.tryNext() ?? (await reader.next(signal, wait));
        if (ev === null) {
          if (signal.aborted) break;
          if (idle && Date.now() - lastPositionAt >= idleMs) {
            yield await emit({ events: [], schemaChanges: [], transactions: [], position: idle });
            idle = undefined;
            lastPositionAt = Date.now();
          }
          continue;
        }
        if (ev.kind === 'heartbeat' && !assembler.inTransaction && reader.stats.bufferedEvents === 0)
          lag.caughtUp();
        const pushed = assembler.push(ev);
        for (const c of Array.isArray(pushed) ? pushed : await pushed) {
          if (c.position === undefined) {
            // Part of a transaction too large for one batch: not checkpointable, never merged.
            if (acc) yield await emit(acc);
            acc = undefined;
            yield await emit(fresh(c));
            continue;
          }
          // The stream's own progress, which a held XA transaction keeps the checkpoint behind.
          this.processed = c.reached ?? String(c.position.checkpoint.gtid);
          lag.committed(this.processed, c.commitTsMs);
          if (c.events.length === 0 && c.schemaChanges.length === 0) {
            // Other tables only: moves the position on, without a batch of its own unless idle for a while.
            if (acc) {
              acc.position = c.position;
              acc.transactions.push(c.gtid);
            } else idle = c.position;
            continue;
          }
          idle = undefined;
          if (c.schemaChanges.length > 0) {
            // DDL travels in a batch of its own so that its callback runs between the rows before and after it.
            if (acc) yield await emit(acc);
            acc = undefined;
            yield await emit(fresh(c));
            lastPositionAt = Date.now();
            continue;
          }
          if (acc) {
            acc.events.push(...c.events);
            acc.position = c.position;
            acc.transactions.push(c.gtid);
          } else acc = fresh(c);
        }
        if (
          acc &&
          (acc.events.length >= maxBatch ||
            acc.transactions.length >= maxTx ||
            reader.stats.bufferedEvents === 0)
        ) {
          yield await emit(acc);
          acc = undefined;
          lastPositionAt = Date.now();
        } else if (!acc && idle && Date.now() - lastPositionAt >= idleMs) {
          yield await emit({ events: [], schemaChanges: [], transactions: [], position: idle });
          idle = undefined;
          lastPositionAt = Date.now();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      lag.stop();
      await reader.close();
      await pool.end().catch(() => {});
    }
  }
}

/** The source of a `mysql-binlog` pipeline from the config; keyColumns come from the mappings. */
export function createBinlogSource(
  config: SynclineConfig,
  pipeline: BinlogPipelineConfig,
  extra: Partial<BinlogSourceOptions> = {},
): BinlogSource {
  const keyColumns: Record<string, readonly string[]> = {};
  for (const m of config.mappings) if (m.keyColumns) keyColumns[m.table] = m.keyColumns;
  // A server drops a replica when another connects with the same server_id: one id per pipeline.
  const index = Math.max(
    0,
    config.pipelines.findIndex((p) => p.name === pipeline.name),
  );
  return new BinlogSource({
    connection: {
      url: config.mysql.url,
      timezone: config.mysql.timezone,
      connectTimeoutMs: config.mysql.connectTimeoutMs,
    },
    serverId: ((config.mysql.serverId - 1 + index) % 4294967295) + 1,
    tables: pipeline.source.tables,
    keyColumns,
    heartbeatMs: pipeline.source.heartbeatMs,
    ...extra,
  });
}
