import type { Logger } from 'pino';
import { createCheckpointStore } from '../checkpoint/index.js';
import type { SynclineConfig } from '../config/schema.js';
import { errorMessage, isSynclineError } from '../core/errors.js';
import type { CheckpointStore, Sink, Source } from '../core/interfaces.js';
import type { Pipeline } from '../core/pipeline.js';
import { MysqlDeadLetterStore } from '../dead-letter/mysql-dead-letter-store.js';
import type { MappingSet } from '../mapping/mapping-set.js';
import type { SearchClient } from '../sinks/search/client.js';
import { awaitEarlierBulkWrites } from '../sinks/search/earlier-writes.js';
import { assertBinlogPreflight } from '../sources/mysql-binlog/preflight.js';
import { implicitOutboxPipelines } from '../sources/outbox/relay-config.js';
import { createPollingPipeline, type PollingPipelineHandle } from '../sources/polling/polling-pipeline.js';
import type { Clients } from './clients.js';
import type { KafkaPipelineHandle, KafkaSinkConfig } from './kafka-pipelines.js';
import {
  createBinlogPipeline,
  createOutboxPipeline,
  type PipelineDeps,
  type PipelineHandle,
  prepareMappings,
  type RelayHandle,
} from './pipelines.js';
import { usesKafka } from './uses-kafka.js';

/** Observers set before start(): metrics hang off these. */
export interface RunnerHooks {
  /** Each pipeline once created (binlog, outbox, Kafka, polling), before it runs. */
  onPipeline?: (handle: { readonly pipeline: Pipeline }) => void;
  /** After every answered `_bulk` request of a pipeline's sink. */
  onBulk?: (pipeline: string, latencyMs: number, items: number) => void;
  /** Wraps the checkpoint store of each start() (HA: fenced commits, docs/ha.md). */
  checkpoints?: (store: CheckpointStore) => CheckpointStore;
  /** A pipeline stopped on an error (not on stop()): `syncline run --no-api` exits with it. */
  onFailed?: (failure: PipelineFailure) => void;
}

/** A pipeline that stopped on an error: its name, the error, and the one-line text with the fix. */
export interface PipelineFailure {
  pipeline: string;
  error: unknown;
  /** `<code> <message> → <fix>` for catalog errors, the message otherwise. */
  text: string;
}

export function failureText(e: unknown): string {
  return isSynclineError(e) ? `${e.code} ${e.message} → ${e.hint}` : errorMessage(e);
}

/**
 * Starts every configured pipeline and stops them gracefully: abort the sources, drain what was read,
 * flush the sinks, commit the checkpoints. A failed pipeline is reported (readiness, admin API); the others
 * keep running.
 */
export class PipelineRunner {
  readonly handles: PipelineHandle[] = [];
  /** Polling pipelines (docs/polling.md). */
  readonly polling: PollingPipelineHandle[] = [];
  /** Outbox relay pipelines (not binlog: no snapshot or binlog controls). */
  readonly relays: RelayHandle[] = [];
  /** Pipelines with Kafka at one end: capture → topics, topics → index (docs/kafka.md). */
  readonly kafkaPipelines: KafkaPipelineHandle[] = [];
  mappings: MappingSet | undefined;
  readonly deadLetters: MysqlDeadLetterStore;
  readonly hooks: RunnerHooks = {};
  private abort = new AbortController();
  private readonly running: Promise<void>[] = [];
  /** Pipelines that stopped on an error, by name (the last error of each). */
  private readonly failures = new Map<string, PipelineFailure>();
  private kafkaModule: typeof import('./kafka-pipelines.js') | undefined;

  constructor(
    private readonly config: SynclineConfig,
    private readonly clients: Clients,
    private readonly search: SearchClient,
    private readonly logger: Logger,
  ) {
    this.deadLetters = new MysqlDeadLetterStore(clients.db, config.internalDatabase);
  }

  async start(): Promise<void> {
    // a runner stopped by a step-down (docs/ha.md) starts again with fresh pipelines
    if (this.abort.signal.aborted) {
      this.abort = new AbortController();
      for (const list of [this.handles, this.polling, this.relays, this.kafkaPipelines, this.running])
        list.length = 0;
      this.failures.clear();
    }
    // The Kafka client is loaded only when a pipeline uses Kafka (it costs ~35 MB and half a second).
    if (usesKafka(this.config)) this.kafkaModule = await import('./kafka-pipelines.js');
    this.mappings = await prepareMappings(this.config, this.clients, this.search, this.logger);
    // built documents are read when rebuilt: a predecessor's _bulk still running in the engine must land
    // before this worker's replayed rebuilds and index look-ups (earlier-writes.ts)
    const built = [...new Set(this.mappings.rebuilders.map((r) => r.tree.root.index))];
    if (built.length > 0)
      await awaitEarlierBulkWrites(this.search, built, {
        timeoutMs: this.config.search.requestTimeoutMs,
        logger: this.logger,
        signal: this.abort.signal,
      });
    const base = createCheckpointStore(this.config, this.clients.db);
    const checkpoints = this.hooks.checkpoints?.(base) ?? base;
    for (const p of [...this.config.pipelines, ...implicitOutboxPipelines(this.config)]) {
      const to = 'sink' in p ? p.sink : undefined;
      if (p.source.type === 'outbox') {
        const relay = createOutboxPipeline({ name: p.name, source: p.source }, this.deps(checkpoints));
        if (to?.type === 'kafka')
          this.startKafka(this.kafka().publishToKafka(relay, to, this.deps(checkpoints), this.kafkaStop()));
        else this.startRelay(relay);
        continue;
      }
      if (p.source.type === 'kafka') {
        this.startKafka(
          this.kafka().createKafkaIndexPipeline(
            { ...p, source: p.source },
            this.deps(checkpoints),
            this.kafkaStop(),
          ),
        );
        continue;
      }
      if (p.source.type === 'polling') {
        this.startPolling(p.name, p.source, checkpoints, to?.type === 'kafka' ? to : undefined);
        continue;
      }
      if (p.source.type !== 'mysql-binlog') {
        throw new Error(
          `pipelines[${p.name}]: source type ${(p.source as { type: string }).type} is not wired into the runner`,
        );
      }
      // Fail fast with the fix for each problem (binlog off, format, grants, keys) before reading anything.
      const report = await assertBinlogPreflight({
        connection: {
          url: this.config.mysql.url,
          timezone: this.config.mysql.timezone,
          connectTimeoutMs: this.config.mysql.connectTimeoutMs,
        },
        tables: p.source.tables,
        keyColumns: Object.fromEntries(
          this.config.mappings.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!]),
        ),
      });
      for (const w of report.warnings) this.logger.warn({ pipeline: p.name }, `preflight: ${w}`);
      if (to?.type === 'kafka') {
        this.startKafka(
          this.kafka().createBinlogToKafkaPipeline(
            { ...p, source: p.source },
            to,
            this.deps(checkpoints),
            this.kafkaStop(),
          ),
        );
        continue;
      }
      const handle = createBinlogPipeline({ ...p, source: p.source }, this.deps(checkpoints));
      this.handles.push(handle);
      this.hooks.onPipeline?.(handle);
      this.running.push(this.run(handle.pipeline, 'pipeline'));
    }
  }

  /** What every pipeline is built from; the checkpoint store is shared by the pipelines of one start(). */
  private deps(checkpoints: CheckpointStore): PipelineDeps {
    return {
      config: this.config,
      clients: this.clients,
      search: this.search,
      mappings: this.mappings!,
      checkpoints,
      deadLetters: this.deadLetters,
      logger: this.logger,
      ...(this.hooks.onBulk && { onBulk: this.hooks.onBulk }),
    };
  }

  /** Outbox relays (docs/outbox.md): configured `type: outbox` pipelines and the catalog's implicit one. */
  private startRelay(relay: RelayHandle): void {
    this.relays.push(relay);
    this.hooks.onPipeline?.(relay);
    this.running.push(this.run(relay.pipeline, 'outbox relay'));
  }

  private kafka(): typeof import('./kafka-pipelines.js') {
    if (!this.kafkaModule) throw new Error('a Kafka pipeline was not announced by usesKafka()');
    return this.kafkaModule;
  }

  /**
   * Aborts server.shutdownGraceMs after stop() began: a Kafka pipeline still waiting on a broker or engine
   * that is down then stops with what was acknowledged committed, instead of retrying forever.
   */
  private kafkaStop(): AbortSignal {
    const grace = new AbortController();
    this.abort.signal.addEventListener(
      'abort',
      () => setTimeout(() => grace.abort(), this.config.server.shutdownGraceMs).unref(),
      { once: true },
    );
    return grace.signal;
  }

  /** Runs a Kafka pipeline; once it ended (stop or failure) its consumer/producer are closed. */
  private startKafka(h: KafkaPipelineHandle): void {
    this.kafkaPipelines.push(h);
    this.hooks.onPipeline?.(h);
    this.running.push(this.run(h.pipeline, 'pipeline').finally(() => h.close().catch(() => {})));
  }

  /** A polling pipeline (docs/polling.md): no binlog preflight, its own cursor checkpoint. */
  private startPolling(
    name: string,
    source: Extract<SynclineConfig['pipelines'][number]['source'], { type: 'polling' }>,
    checkpoints: CheckpointStore,
    toKafka?: KafkaSinkConfig,
  ): void {
    const handle = createPollingPipeline(
      { name, source },
      { ...this.deps(checkpoints), pool: this.clients.db },
    );
    if (toKafka) {
      this.startKafka(this.kafka().publishToKafka(handle, toKafka, this.deps(checkpoints), this.kafkaStop()));
      return;
    }
    this.polling.push(handle);
    this.hooks.onPipeline?.(handle);
    this.running.push(this.run(handle.pipeline, 'polling pipeline'));
  }

  /** Runs a pipeline until stop(); a failure is logged and shows in its state, the others keep running. */
  private run(pipeline: Pipeline, what: string): Promise<void> {
    const signal = this.abort.signal;
    return pipeline.run(signal).catch((e: unknown) => {
      // A deposed HA term (docs/ha.md): its commits are fenced and the worker steps down to standby; an
      // error while being stopped is the stop's. Neither is a failure that should end the worker.
      if (signal.aborted || isSynclineError(e, 'HA_FENCED')) {
        this.logger.warn({ pipeline: pipeline.name, err: failureText(e) }, `${what} ${pipeline.name} ended`);
        return;
      }
      const failure = { pipeline: pipeline.name, error: e, text: failureText(e) };
      this.failures.set(pipeline.name, failure);
      this.logger.error(
        { pipeline: pipeline.name, err: failure.text },
        `${what} ${pipeline.name} stopped on error`,
      );
      this.hooks.onFailed?.(failure);
    });
  }

  /** Every pipeline of this process with its source and sink (admin API, metrics). */
  all(): Array<{ readonly pipeline: Pipeline; readonly source: Source; readonly sink: Sink }> {
    return [...this.handles, ...this.relays, ...this.kafkaPipelines, ...this.polling];
  }

  handle(name: string): PipelineHandle | undefined {
    return this.handles.find((h) => h.pipeline.name === name);
  }

  /** Name and state of each pipeline; a failed one with its error and fix (/readyz, the admin API). */
  pipelines(): Array<{ name: string; state: string; error?: string }> {
    return [...this.handles, ...this.relays, ...this.kafkaPipelines, ...this.polling].map((h) => {
      const failure = h.pipeline.state === 'failed' ? this.failures.get(h.pipeline.name) : undefined;
      const error = failure?.text ?? (h.pipeline.state === 'failed' ? h.pipeline.lastError : undefined);
      return { name: h.pipeline.name, state: h.pipeline.state, ...(error !== undefined && { error }) };
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.running);
    await Promise.allSettled([...this.handles, ...this.relays].map((h) => h.sink.close()));
    await Promise.allSettled(this.polling.map((h) => h.sink.close()));
  }
}
