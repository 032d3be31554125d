import { createHash } from 'node:crypto';
import type { ChangeEvent, Position } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import type { IndexOp, Mapping, RebuildContext, WriteResult } from '../../core/interfaces.js';
import type { Pipeline } from '../../core/pipeline.js';
import { sleep as delay } from '../../core/timers.js';
import { MappingSet } from '../../mapping/mapping-set.js';
import type { BulkSink } from '../../sinks/search/bulk-sink.js';
import { createSearchPipeline } from '../../sinks/search/search-pipeline.js';
import { SnapshottingBinlogSource } from '../../sources/mysql-binlog/snapshotting-source.js';
import { createBinlogSource } from '../../sources/mysql-binlog/streaming/binlog-source.js';
import { currentBinlogPosition } from '../../sources/mysql-binlog/streaming/position.js';
import { barrier, positionReached } from '../barrier.js';
import type { OpsContext } from '../context.js';

/** The mappings of one alias, writing to a concrete index instead (the index being built or caught up). */
class RetargetedMapping implements Mapping {
  /** Rows the snapshot delivered (op 'r'). */
  snapshotRows = 0;
  constructor(
    private readonly set: MappingSet,
    private readonly target: string,
  ) {}
  handles(database: string, table: string): boolean {
    return this.set.handles(database, table);
  }
  indexOf(): string {
    return this.target;
  }
  toOps(ev: ChangeEvent): IndexOp[] {
    if (ev.op === 'r') this.snapshotRows++;
    return this.set.toOps(ev).map((op) => ({ ...op, index: this.target }));
  }
  /** Documents built from several tables, written to the target too. */
  rebuild(events: readonly ChangeEvent[], ctx: RebuildContext): Promise<WriteResult | undefined> {
    return this.set.rebuild(events, {
      ...ctx,
      target: this.target,
      write: (ops) => ctx.write(ops.map((op) => ({ ...op, index: this.target }))),
    });
  }
}

export interface TailOptions {
  /** Pipeline (and checkpoint) name of the job. */
  readonly name: string;
  /** The alias whose mappings feed the job. */
  readonly alias: string;
  /** The concrete index written. */
  readonly target: string;
  /** initial: snapshot every table first (a new index); never: stream only (catch-up from a position). */
  readonly snapshot: 'initial' | 'never';
  readonly chunkSize?: number;
}

/**
 * A temporary binlog pipeline into one concrete index: the same lock-free snapshot, mapping, versioned
 * sink and checkpointing as the configured pipelines, with a replica server_id of its own. While it
 * runs, the configured pipelines keep feeding the alias (the current index) and this job feeds the new
 * one: streaming feeds both. Versions come from the same GTID space, so the two writers can never
 * regress each other's documents.
 */
export class TailPipeline {
  private pipeline: Pipeline | undefined;
  private source: SnapshottingBinlogSource | undefined;
  private sink: BulkSink | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private failure: unknown;
  private mapping: RetargetedMapping | undefined;

  constructor(
    private readonly ctx: OpsContext,
    readonly o: TailOptions,
  ) {}

  async start(): Promise<void> {
    const { config, db, logger } = this.ctx;
    const configs = config.mappings.filter((m) => m.index === this.o.alias);
    if (configs.length === 0) {
      throw new SynclineError('OPS_TARGET_UNKNOWN', `no mapping writes to ${this.o.alias}`);
    }
    // with the search client: a cascaded delete's roots are found through the index (MariaDB logs no cascade)
    const set = await MappingSet.load(db, configs, { search: this.ctx.search });
    // with the related and join tables of built documents: their changes rebuild documents of the new index
    const tables = [...new Set([...configs.map((m) => m.table), ...set.relatedTables()])];
    const keyColumns = new Map(configs.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!]));
    const connection = {
      url: config.mysql.url,
      timezone: config.mysql.timezone,
      connectTimeoutMs: config.mysql.connectTimeoutMs,
    };
    const pcfg = {
      name: this.o.name,
      source: {
        type: 'mysql-binlog' as const,
        tables,
        snapshot: this.o.snapshot,
        chunkSize: this.o.chunkSize ?? 5000,
        onPurged: 'resnapshot' as const,
        heartbeatMs: 1000,
      },
    };
    this.source = new SnapshottingBinlogSource({
      name: this.o.name,
      pool: db,
      tables,
      internalDatabase: config.internalDatabase,
      // a purged start position (rollback) falls back to a snapshot of everything: still complete
      snapshot: 'initial',
      chunkSize: pcfg.source.chunkSize,
      onPurged: 'resnapshot',
      keyColumns,
      logger,
      currentPosition: () => currentBinlogPosition(connection),
      streaming: (patterns) =>
        createBinlogSource(
          config,
          { ...pcfg, source: { ...pcfg.source, tables: [...patterns] } },
          {
            serverId: jobServerId(config.mysql.serverId, this.o.name),
            heartbeatMs: 1000,
            onSchemaChange: async (change) => {
              await set.refreshColumns(db, change.database, change.table === '*' ? undefined : change.table);
            },
            onWarning: (message) => logger.warn({ job: this.o.name }, message),
          },
        ),
    });
    this.mapping = new RetargetedMapping(set, this.o.target);
    const { pipeline, sink } = createSearchPipeline({
      name: this.o.name,
      source: this.source,
      mapping: this.mapping,
      search: this.ctx.search,
      sinkConfig: config.sink,
      checkpoints: this.ctx.checkpoints,
      deadLetters: this.ctx.deadLetters,
      logger,
    });
    this.sink = sink;
    this.pipeline = pipeline;
    this.running = this.pipeline.run(this.abort.signal).catch((e: unknown) => {
      this.failure = e;
    });
  }

  get position(): Position | undefined {
    return this.pipeline?.position;
  }

  /** 'snapshot' while chunks remain, then 'streaming'. */
  get phase(): string {
    return this.source?.phase ?? 'starting';
  }

  get snapshotProgress() {
    return this.source?.snapshotProgress;
  }

  /** Rows the snapshot has delivered so far. */
  get snapshotRows(): number {
    return this.mapping?.snapshotRows ?? 0;
  }

  get stats() {
    return this.pipeline?.stats;
  }

  private check(): void {
    if (this.failure !== undefined || this.pipeline?.state === 'failed') {
      throw new SynclineError(
        'REINDEX_FAILED',
        `job ${this.o.name} failed: ${errorMessage(this.failure ?? this.pipeline?.lastError)}`,
        { cause: this.failure },
      );
    }
  }

  /** Waits until the snapshot (if any) is done; `tick` is called about every 250 ms. */
  async snapshotDone(tick: () => void, signal?: AbortSignal): Promise<void> {
    while (this.phase !== 'streaming') {
      this.check();
      tick();
      await delay(250, signal);
    }
    this.check();
  }

  /**
   * Commits a barrier and waits until this job has applied everything up to it: from then on the
   * target index holds every change committed before the call.
   */
  async catchUp(signal?: AbortSignal, tick?: () => void): Promise<string> {
    const b = await barrier(this.ctx.db, this.ctx.config.internalDatabase);
    while (!positionReached(this.position, b.gtid)) {
      this.check();
      tick?.();
      await delay(100, signal);
    }
    return b.gtid;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.sink?.close().catch(() => {});
  }
}

/** A replica server_id for a job, away from the configured pipelines' ids (they use serverId + n). */
export function jobServerId(base: number, name: string): number {
  const h = createHash('sha1').update(name).digest().readUInt32BE(0);
  return ((base - 1 + 1000 + (h % 100_000)) % 4294967295) + 1;
}
