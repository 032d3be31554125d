import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { assertTokensSafeToServe } from '../config/admin-token.js';
import type { SynclineConfig } from '../config/schema.js';
import { SynclineError } from '../core/errors.js';
import { Leadership } from '../ha/leadership.js';
import { MappingSet } from '../mapping/mapping-set.js';
import { SynclineMetrics } from '../metrics/syncline-metrics.js';
import { type OpsContext, opsContextFor } from '../ops/context.js';
import { JobRegistry } from '../ops/jobs.js';
import { ReconcileScheduler } from '../ops/reconcile/schedule.js';
import { type Clients, createClients } from '../runtime/clients.js';
import { type PipelineFailure, PipelineRunner } from '../runtime/pipeline-runner.js';
import { usesKafka } from '../runtime/uses-kafka.js';
import { SearchClient } from '../sinks/search/client.js';
import type { IngestService } from '../sources/ingest/ingest-service.js';
import { DEFAULT_COMPONENTS, LocalStack } from '../stack/stack.js';

/**
 * `syncline run`: the local stack (when managed), the pools, the HTTP service and the pipelines,
 * started in that order and stopped in reverse, each stop waiting for in-flight work.
 */
export class SynclineService {
  private clients: Clients | undefined;
  private app: FastifyInstance | undefined;
  private catalogDb: DataSource | undefined;
  private searchClient: SearchClient | undefined;
  runner: PipelineRunner | undefined;
  /** With ha.enabled: the lock that decides whether this worker's pipelines run (docs/ha.md). */
  leadership: Leadership | undefined;
  /** Operations over this process's pipelines (admin routes, scheduled reconcile); see src/ops. */
  ops: OpsContext | undefined;
  readonly jobs = new JobRegistry();
  private reconcileScheduler: ReconcileScheduler | undefined;
  private ingest: IngestService | undefined;
  /** The process's Prometheus registry, served at /metrics. */
  readonly metrics = new SynclineMetrics({ processMetrics: true });
  private onFailure: ((f: PipelineFailure) => void) | undefined;
  /** The first pipeline that stops on an error (`syncline run --no-api` exits with it; /readyz says 503). */
  readonly firstFailure = new Promise<PipelineFailure>((resolve) => {
    this.onFailure = resolve;
  });

  constructor(
    private readonly config: SynclineConfig,
    private readonly logger: Logger,
    private readonly options: { api?: boolean } = {},
  ) {}

  get address(): string {
    return `http://${this.config.server.host}:${this.config.server.port}`;
  }

  async start(signal?: AbortSignal): Promise<void> {
    // Before anything starts: a refused token must not leave a half-started stack behind.
    if (this.options.api !== false) assertTokensSafeToServe(this.config);
    if (this.config.ha.enabled && this.config.checkpoint.store !== 'mysql')
      throw new SynclineError(
        'CONFIG_INVALID',
        'ha.enabled needs checkpoint.store: mysql (the fencing token is checked in the source database)',
      );
    if (this.config.ha.enabled && this.config.ha.pingIntervalMs >= this.config.ha.sessionTimeoutMs)
      throw new SynclineError(
        'CONFIG_INVALID',
        `ha.pingIntervalMs (${this.config.ha.pingIntervalMs}) must be below ha.sessionTimeoutMs (${this.config.ha.sessionTimeoutMs})`,
      );
    if (this.config.stack.manage) {
      const stack = new LocalStack(this.config);
      this.logger.info('starting the local stack (stack.manage=true)');
      // Kafka only when a pipeline reads or writes it (docs/kafka.md).
      await stack.up(usesKafka(this.config) ? [...DEFAULT_COMPONENTS, 'kafka'] : DEFAULT_COMPONENTS, {
        ...(signal && { signal }),
        onProgress: (name, what, ms) => this.logger.info({ component: name, ms }, `${name}: ${what}`),
      });
    }
    this.clients = createClients(this.config);
    this.searchClient = new SearchClient(this.config.search);
    if (this.config.demo) {
      const { seedDemoCatalog } = await import('../demo/demo-catalog.js');
      const seeded = await seedDemoCatalog(this.clients.db);
      this.logger.info(seeded, 'demo catalog ready in syncline_demo');
    }
    this.runner = new PipelineRunner(this.config, this.clients, this.searchClient, this.logger);
    this.runner.hooks.onFailed = (f) => this.onFailure?.(f);
    this.metrics.watchRunner(this.runner);
    if (this.config.ha.enabled) {
      this.leadership = new Leadership(this.config, this.runner, this.clients.db, this.logger);
      this.metrics.watchLeadership(() => this.leadership!.status());
      this.leadership.start();
    } else await this.runner.start();
    this.ops = opsContextFor({
      config: this.config,
      db: this.clients.db,
      search: this.searchClient,
      logger: this.logger,
      deadLetters: this.runner.deadLetters,
      runner: this.runner,
    });
    this.reconcileScheduler = new ReconcileScheduler(this.ops, this.config.reconcile, this.logger);
    this.reconcileScheduler.start();
    if (this.options.api === false) return;
    // The HTTP side (Fastify, TypeORM, OpenAPI) is loaded only when served: a `--no-api` worker starts
    // faster and holds ~80 MB less.
    const [{ buildApp }, { createCatalogDataSource }, { IngestService }, { RunnerAdmin }] = await Promise.all(
      [
        import('../server/app.js'),
        import('../catalog/data-source.js'),
        import('../sources/ingest/ingest-service.js'),
        import('../admin/admin-backend.js'),
      ],
    );
    // With ha.enabled the runner may not have started (standby): ingest reads the mappings itself, from the
    // database only — a standby must start while the search engine is down.
    const mappings =
      this.runner.mappings ??
      (this.config.ingest.enabled && this.leadership
        ? await MappingSet.load(this.clients.db, this.config.mappings, { search: this.searchClient })
        : undefined);
    if (this.config.ingest.enabled && mappings) {
      this.ingest = new IngestService({
        mappings,
        search: this.searchClient,
        sink: this.config.sink,
        deadLetters: this.runner.deadLetters,
        logger: this.logger,
      });
    }
    this.catalogDb = await createCatalogDataSource(this.config).initialize();
    this.app = await buildApp({
      config: this.config,
      db: this.catalogDb,
      search: this.searchClient,
      logger: this.logger,
      readiness: {
        pipelines: () => this.runner?.pipelines() ?? [],
        ...(this.leadership && { ha: () => this.leadership!.status() }),
      },
      ...(this.ingest && { ingest: this.ingest }),
      metrics: this.metrics,
      ops: { context: this.ops, jobs: this.jobs },
      admin: new RunnerAdmin(this.runner, this.clients.db, this.config),
    });
    await this.app.listen({ host: this.config.server.host, port: this.config.server.port });
  }

  async stop(): Promise<void> {
    const grace = this.config.server.shutdownGraceMs;
    const timer = setTimeout(() => {
      this.logger.warn({ graceMs: grace }, 'shutdown grace period over; closing connections');
      this.app?.server.closeAllConnections();
    }, grace);
    try {
      await this.app?.close();
      await this.ingest?.close();
      await this.jobs.stop();
      await this.reconcileScheduler?.stop();
      if (this.leadership) await this.leadership.stop();
      else await this.runner?.stop();
      await Promise.allSettled([
        this.catalogDb?.destroy(),
        this.searchClient?.close(),
        this.clients?.close(),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
