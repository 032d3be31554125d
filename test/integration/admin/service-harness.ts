import { createServer } from 'node:net';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { seedDemoCatalog } from '../../../src/demo/demo-catalog.js';
import { DEMO_PRODUCT_RELATIONS } from '../../../src/demo/profile.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { createDbPool } from '../../../src/runtime/clients.js';
import { SynclineService } from '../../../src/service/service.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';
import { type Diff, diffTableAndIndex, summarize } from '../../helpers/compare.js';
import { MARIADB_PORT, searchClient, testConfig, uniqueName } from '../../helpers/stack.js';

export const ADMIN_TOKEN = 'admin-test-token-4711';

/** A port nobody listens on right now (the service binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceOptions {
  /** Demo products seeded before start (snapshotted by the pipeline). */
  products?: number;
  /** Extra DDL run in the test database before start; its tables are mapped as `<db>_<table>`. */
  setup?: string;
  extraTables?: string[];
  /** Index definitions by table (e.g. a strict mapping). */
  indexDefinitions?: Record<string, unknown>;
  /** Products built with the demo profile's relations (category with its path, tags). */
  relations?: boolean;
}

/**
 * The real `syncline run` service (SynclineService: pipelines, API, admin, metrics, dashboard) in this
 * process, over a fresh database with the demo catalog schema and its own index names, on a free port.
 */
export class ServiceHarness {
  readonly db = uniqueName('t_admin');
  readonly pipeline = this.db.replaceAll('_', '-');
  readonly tables: string[];
  config!: SynclineConfig;
  service!: SynclineService;
  pool!: mysql.Pool;
  search!: SearchClient;
  baseUrl = '';

  constructor(private readonly o: ServiceOptions = {}) {
    this.tables = ['products', 'categories', 'users', ...(o.extraTables ?? [])];
  }

  index(table: string): string {
    return `${this.db}_${table}`.toLowerCase();
  }

  async start(): Promise<void> {
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: MARIADB_PORT,
      user: 'root',
      multipleStatements: true,
    });
    await c.query(`CREATE DATABASE \`${this.db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    if (this.o.setup) await c.query(`USE \`${this.db}\`; ${this.o.setup}`);
    await c.end();
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    const indexes: Record<string, unknown> = {};
    for (const [t, def] of Object.entries(this.o.indexDefinitions ?? {})) indexes[this.index(t)] = def;
    this.config = testConfig({
      stack: { manage: false },
      mysql: {
        url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${this.db}`,
        serverId: 70000 + Math.floor(Math.random() * 5000),
      },
      server: { host: '127.0.0.1', port, adminToken: ADMIN_TOKEN, shutdownGraceMs: 2000 },
      api: {
        productsIndex: this.index('products'),
        rateLimit: { max: 0 },
        searchCache: { ttlMs: 2000 },
        logs: { indexPrefix: `${this.db}-logs-` },
      },
      mappings: this.tables.map((t) => ({
        table: `${this.db}.${t}`,
        index: this.index(t),
        ...(t === 'products' && this.o.relations && { relations: structuredClone(DEMO_PRODUCT_RELATIONS) }),
      })),
      indexes,
      pipelines: [
        {
          name: this.pipeline,
          source: { type: 'mysql-binlog', tables: [`${this.db}.*`], chunkSize: 100, heartbeatMs: 1000 },
        },
      ],
      sink: { batch: { lingerMs: 10 } },
      logLevel: 'warn',
    });
    // the service's own pool settings, so rows read for comparisons convert exactly as the pipeline's
    this.pool = createDbPool(this.config);
    await seedDemoCatalog(this.pool, { products: this.o.products ?? 200, users: 20 });
    this.search = searchClient();
    this.service = new SynclineService(this.config, pino({ level: process.env.ADMIN_TEST_LOG ?? 'warn' }));
    await this.service.start();
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** A request to the running service; `admin` adds the bearer token. JSON in, JSON (or text) out. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { body?: unknown; admin?: boolean; token?: string } = {},
  ): Promise<{ status: number; body: T; text: string; headers: Headers }> {
    const headers: Record<string, string> = {};
    const token = opts.token ?? (opts.admin ? ADMIN_TOKEN : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url(path), {
      method,
      headers,
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body: body as T, text, headers: res.headers };
  }

  async diff(table: string): Promise<Diff> {
    const m = (await MappingSet.load(this.pool, this.config.mappings)).get(this.db, table);
    if (!m) throw new Error(`no mapping for ${table}`);
    return diffTableAndIndex(this.pool, m, this.search, this.index(table));
  }

  /** Polls until the index equals the table (or the timeout); returns the last diff. */
  async converge(table: string, timeoutMs = 60_000): Promise<Diff> {
    const deadline = Date.now() + timeoutMs;
    let d = await this.diff(table);
    while (Date.now() < deadline && (d.missing.length || d.extra.length || d.stale.length)) {
      await sleep(300);
      d = await this.diff(table);
    }
    if (d.missing.length || d.extra.length || d.stale.length)
      console.warn(`[admin] ${table}: ${summarize(d)}`);
    return d;
  }

  /** Documents in an index after a refresh. */
  async docCount(table: string): Promise<number> {
    await this.search.request('POST', `/${this.index(table)}/_refresh`);
    const r = await this.search.request<{ count: number }>('GET', `/${this.index(table)}/_count`);
    return r.body.count;
  }

  async rowCount(table: string): Promise<number> {
    const [rows] = await this.pool.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number((rows as Array<{ n: number }>)[0]!.n);
  }

  async cleanup(): Promise<void> {
    await this.service?.stop().catch((e: unknown) => console.warn(`[admin] stop: ${(e as Error).message}`));
    for (const t of this.tables) await this.search?.request('DELETE', `/${this.index(t)}_v*`).catch(() => {});
    await this.search?.request('DELETE', `/${this.db}-logs-*`).catch(() => {});
    if (this.pool) {
      await this.pool.query(`DROP DATABASE IF EXISTS \`${this.db}\``);
      await this.pool
        .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [this.pipeline])
        .catch(() => {});
      await this.pool
        .query('DELETE FROM syncline.dead_letters WHERE pipeline = ?', [this.pipeline])
        .catch(() => {});
      await this.pool.end();
    }
    await this.search?.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the timeout passes; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!v && Date.now() < deadline) {
    await sleep(everyMs);
    v = await fn();
  }
  return v;
}
