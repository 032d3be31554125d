import type { FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { createCatalogDataSource } from '../../../src/catalog/data-source.js';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { ensureDemoSchema } from '../../../src/demo/demo-catalog.js';
import { CATEGORIES } from '../../../src/demo/seed-data.js';
import { buildApp } from '../../../src/server/app.js';
import type { PipelineState } from '../../../src/server/plugins/health.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';
import { MARIADB_PORT, searchClient, testConfig, uniqueName } from '../../helpers/stack.js';

export const ADMIN_TOKEN = 'test-admin-token-123';

export interface ApiHarness {
  app: FastifyInstance;
  config: SynclineConfig;
  database: string;
  /** A root pool on the test database, for setup and SQL cross-checks. */
  sql: mysql.Pool;
  db: DataSource;
  search: SearchClient;
  pipelines: PipelineState[];
  close(): Promise<void>;
}

/**
 * One app over its own database (the demo schema, the demo categories) and its own index names.
 * `api` overrides merge over test defaults (a unique products index and log prefix, rate limit off).
 */
export async function startApi(
  opts: {
    api?: Record<string, unknown>;
    seedCategories?: boolean;
    /** More config keys (mappings, sink, search…), given the test database's name. */
    config?: (database: string) => Record<string, unknown>;
  } = {},
): Promise<ApiHarness> {
  const database = uniqueName('api');
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root' });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const sql = mysql.createPool({
    host: '127.0.0.1',
    port: MARIADB_PORT,
    user: 'root',
    database,
    connectionLimit: 4,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  sql.on('connection', (c) => c.query(`SET time_zone = '+00:00'`));
  await ensureDemoSchema(sql);
  if (opts.seedCategories !== false) {
    await sql.query('INSERT INTO categories (name, slug) VALUES ?', [
      CATEGORIES.map((c) => [c.name, c.slug]),
    ]);
  }
  const config = testConfig({
    ...opts.config?.(database),
    mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${database}`, poolSize: 4 },
    server: { adminToken: ADMIN_TOKEN },
    api: {
      productsIndex: uniqueName('products'),
      logs: { indexPrefix: `${uniqueName('tlogs')}-` },
      rateLimit: { max: 0 },
      ...opts.api,
    },
  });
  const db = await createCatalogDataSource(config).initialize();
  const search = searchClient(config.search.url);
  const pipelines: PipelineState[] = [];
  const app = await buildApp({
    config,
    db,
    search,
    logger: pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
    readiness: { pipelines: () => pipelines },
  });
  return {
    app,
    config,
    database,
    sql,
    db,
    search,
    pipelines,
    async close() {
      await app.close();
      await db.destroy();
      await sql.end();
      const c = await mysql.createConnection({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root' });
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
      await search.request('DELETE', `/${config.api.productsIndex}*`).catch(() => {});
      await search.request('DELETE', `/${config.api.logs.indexPrefix}*`).catch(() => {});
      await search
        .request('DELETE', `/_index_template/syncline-${config.api.logs.indexPrefix.replace(/-$/, '')}`)
        .catch(() => {});
      await search.close();
    },
  };
}

/** Row count of a table, for "nothing was written" checks. */
export async function countRows(sql: mysql.Pool, table: string): Promise<number> {
  const [rows] = await sql.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
  return Number((rows as Array<{ n: number }>)[0]!.n);
}
