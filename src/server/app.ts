import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteShorthandOptions } from 'fastify';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AdminBackend } from '../admin/admin-backend.js';
import { CatalogStore } from '../catalog/catalog-store.js';
import { ProductSearch } from '../catalog/search/product-search.js';
import type { CacheStats } from '../catalog/search/search-cache.js';
import type { WritePaths } from '../catalog/write-path.js';
import { createWritePaths } from '../catalog/write-paths.js';
import type { SynclineConfig } from '../config/schema.js';
import { SynclineMetrics } from '../metrics/syncline-metrics.js';
import type { OpsContext } from '../ops/context.js';
import type { JobRegistry } from '../ops/jobs.js';
import type { SearchClient } from '../sinks/search/client.js';
import type { IngestHandler } from '../sources/ingest/ingest-service.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.js';
import { installInputChecks, installJsonParser } from './input-checks.js';
import { BatchingLogWriter, type LogWriter } from './logs/log-writer.js';
import { healthPlugin, type ReadinessSource } from './plugins/health.js';
import { installMetrics } from './plugins/metrics.js';
import { adminRoutes, installAdminAuth } from './routes/admin.js';
import { catalogRoutes } from './routes/catalog.js';
import { ingestRoutes } from './routes/ingest.js';
import { logRoutes } from './routes/logs.js';
import { opsRoutes } from './routes/ops.js';
import { searchRoutes } from './routes/search.js';
import { uiRoutes } from './routes/ui.js';
import { validatorCompiler } from './validation.js';

export interface AppDeps {
  config: SynclineConfig;
  logger: Logger;
  /** The catalog's TypeORM DataSource (initialized by the caller). */
  db: DataSource;
  /** The search engine client used for every engine call of the API. */
  search: SearchClient;
  readiness: ReadinessSource;
  /** Per-table write paths; default from config.api.writeModes. */
  writePaths?: WritePaths;
  /** Log writer; default a BatchingLogWriter on `search`. */
  logWriter?: LogWriter;
  /** Ingest of Canal/Maxwell/Debezium messages (docs/ingest.md); its routes answer 503 without it. */
  ingest?: IngestHandler;
  /** The process's metrics registry (/metrics); default one with the API's own metrics only. */
  metrics?: SynclineMetrics;
  /** Pipelines of this process for the admin API and the dashboard; absent in an API-only process. */
  admin?: AdminBackend;
  /** Operations (reconcile, reindex, dead letters, drift, jobs) under /api/admin; absent: no such routes. */
  ops?: { context: OpsContext; jobs: JobRegistry };
}

/** What other parts of the process (metrics, admin) read from a running app. */
export interface SynclineApi {
  searchCacheStats(): CacheStats;
  productSearch: ProductSearch;
  logWriter: LogWriter;
}

declare module 'fastify' {
  interface FastifyInstance {
    syncline: SynclineApi;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Bodies with `__proto__` / `constructor.prototype` keys are refused (400). */
const POISONING = 'error' as const;

/**
 * The HTTP service. Returns the app un-started (tests use inject or listen on port 0); `app.close()`
 * stops accepting connections, lets in-flight requests finish, then flushes the log writer.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const api = config.api;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // the client's x-request-id when it is a sane token, a fresh UUID otherwise; echoed on every response
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    bodyLimit: api.bodyLimitBytes,
    requestTimeout: api.requestTimeoutMs,
    return503OnClosing: true,
    onProtoPoisoning: POISONING,
    onConstructorPoisoning: POISONING,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);
  installInputChecks(app);
  // JSON only: text/plain bodies get 415 instead of reaching validation as strings
  app.removeContentTypeParser('text/plain');
  installJsonParser(app, POISONING);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // while shutting down, a keep-alive socket is closed after its in-flight response instead of idling
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  installAdminAuth(app, config.server.adminToken);
  const metrics = deps.metrics ?? new SynclineMetrics();
  installMetrics(app, metrics);

  // dual-write / outbox modes need a dual-write client and an outbox table (docs/api.md#write-paths)
  const catalogPaths = deps.writePaths
    ? undefined
    : await createWritePaths({ config, db: deps.db, search: deps.search, logger: deps.logger });
  const writePaths = deps.writePaths ?? catalogPaths!.paths;
  const store = new CatalogStore(deps.db, writePaths);
  const productSearch = new ProductSearch(deps.search, {
    index: api.productsIndex,
    timeoutMs: api.searchTimeoutMs,
    defaultSize: api.defaultPageSize,
    priceRanges: api.priceRanges,
    categoryFacetSize: api.categoryFacetSize,
    synonyms: api.synonyms,
    accessoryTerms: api.accessoryTerms,
    cache: api.searchCache,
  });
  const logWriter =
    deps.logWriter ??
    new BatchingLogWriter(deps.search, {
      indexPrefix: api.logs.indexPrefix,
      batchMaxDocs: api.logs.batchMaxDocs,
      lingerMs: api.logs.lingerMs,
      maxPendingRecords: api.logs.maxPendingRecords,
      logger: app.log,
    });
  metrics.watchSearchCache(() => productSearch.cacheStats());
  app.decorate('syncline', {
    searchCacheStats: () => productSearch.cacheStats(),
    productSearch,
    logWriter,
  } satisfies SynclineApi);
  // in-flight requests have finished when onClose runs; what they queued is flushed here
  app.addHook('onClose', async () => logWriter.close());
  // background dual-writes finish within the grace period; what is left goes to the dead-letter store
  app.addHook('onClose', async () =>
    catalogPaths?.close(AbortSignal.timeout(Math.max(1, config.server.shutdownGraceMs))),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Syncline catalog API',
        version: '0.1.0',
        description: 'CRUD over MariaDB, search over OpenSearch/Elasticsearch, log ingest. See docs/api.md.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, { global: false });

  const writeLimit: RouteShorthandOptions =
    api.rateLimit.max > 0
      ? { config: { rateLimit: { max: api.rateLimit.max, timeWindow: api.rateLimit.timeWindowMs } } }
      : {};

  await app.register(healthPlugin, {
    readiness: deps.readiness,
    probes: {
      mysql: async () => {
        if (!deps.db.isInitialized) throw new Error('not connected');
        const rows = (await deps.db.query('SELECT VERSION() AS v')) as Array<{ v: string }>;
        return rows[0]?.v;
      },
      search: async () => {
        const res = await deps.search.request<{ status?: string }>('GET', '/_cluster/health', undefined, {
          timeoutMs: 3000,
        });
        if (res.status !== 200 || res.body.status === 'red')
          throw new Error(`cluster health ${res.body?.status ?? res.status}`);
        return res.body.status;
      },
    },
  });
  await app.register(catalogRoutes, { store, api, writePaths, writeLimit });
  await app.register(searchRoutes, { search: productSearch, api });
  await app.register(logRoutes, { writer: logWriter, client: deps.search, api, writeLimit });
  await app.register(adminRoutes, { readiness: deps.readiness, ...(deps.admin && { backend: deps.admin }) });
  if (deps.ops) await app.register(opsRoutes, { ops: deps.ops.context, jobs: deps.ops.jobs });
  await app.register(ingestRoutes, {
    ingest: deps.ingest,
    config: config.ingest,
    token: config.ingest.token ?? config.server.adminToken,
  });
  await app.register(uiRoutes);
  return app;
}
