import { pino } from 'pino';
import type { SynclineConfig } from '../../src/config/schema.js';
import { MappingSet } from '../../src/mapping/mapping-set.js';
import type { TableMapping } from '../../src/mapping/table-mapping.js';
import { type Clients, createClients } from '../../src/runtime/clients.js';
import { PipelineRunner } from '../../src/runtime/pipeline-runner.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import { type Diff, diffTableAndIndex, summarize } from './compare.js';
import { rootConnection, SOURCE_PORT, testConfig, uniqueName } from './stack.js';

export interface HarnessOptions {
  tables: string[];
  /** DDL run before start (in the test database). */
  setup?: string;
  chunkSize?: number;
  config?: Record<string, unknown>;
}

/** A real binlog pipeline over a fresh test database, run in this process. */
export class Harness {
  readonly db: string;
  readonly name: string;
  readonly config: SynclineConfig;
  clients!: Clients;
  search!: SearchClient;
  runner: PipelineRunner | undefined;

  constructor(readonly o: HarnessOptions) {
    this.db = uniqueName('t_cdc');
    this.name = this.db.replaceAll('_', '-');
    this.config = testConfig({
      stack: { manage: false },
      mysql: {
        url: `mysql://root@127.0.0.1:${SOURCE_PORT}/${this.db}`,
        serverId: 60000 + Math.floor(Math.random() * 5000),
      },
      mappings: o.tables.map((t) => ({ table: `${this.db}.${t}`, index: this.index(t) })),
      pipelines: [
        {
          name: this.name,
          source: { type: 'mysql-binlog', tables: [`${this.db}.*`], chunkSize: o.chunkSize ?? 1000 },
        },
      ],
      sink: { batch: { lingerMs: 10 } },
      logLevel: 'warn',
      ...o.config,
    });
  }

  index(table: string): string {
    return `${this.db}_${table}`.toLowerCase();
  }

  async createDatabase(): Promise<void> {
    const c = await rootConnection();
    await c.query(`CREATE DATABASE ${this.db}`);
    if (this.o.setup) await c.query(`USE ${this.db}; ${this.o.setup}`);
    await c.end();
    this.clients = createClients(this.config);
    this.search = new SearchClient({ url: this.config.search.url });
  }

  async start(): Promise<void> {
    this.runner = new PipelineRunner(this.config, this.clients, this.search, pino({ level: 'warn' }));
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
    this.runner = undefined;
  }

  /** The table's mapping: the running pipeline's, or freshly loaded (when the pipeline runs elsewhere). */
  async mapping(table: string): Promise<TableMapping> {
    const m =
      this.runner?.mappings?.get(this.db, table) ??
      (await MappingSet.load(this.clients.db, this.config.mappings)).get(this.db, table);
    if (!m) throw new Error(`no mapping for ${table}`);
    return m;
  }

  async diff(table: string): Promise<Diff> {
    return diffTableAndIndex(this.clients.db, await this.mapping(table), this.search, this.index(table));
  }

  /** Polls until the index equals the table (or the timeout); returns the last diff. */
  async converge(table: string, timeoutMs = 60_000): Promise<Diff> {
    const deadline = Date.now() + timeoutMs;
    // A read can fail transiently (index being created by a restarted worker, shard recovering): retry.
    const attempt = async (): Promise<Diff | undefined> =>
      this.diff(table).catch((e: unknown) => {
        if (Date.now() > deadline) throw e;
        console.warn(`[harness] ${table}: ${(e as Error).message}`);
        return undefined;
      });
    let d = await attempt();
    while (Date.now() < deadline && (!d || d.missing.length || d.extra.length || d.stale.length)) {
      await new Promise((r) => setTimeout(r, 300));
      d = await attempt();
    }
    if (!d) d = await this.diff(table);
    if (d.missing.length || d.extra.length || d.stale.length)
      console.warn(`[harness] ${table}: ${summarize(d)}`);
    return d;
  }

  async exec(sql: string, args?: unknown[]): Promise<unknown> {
    const [r] = await this.clients.db.query(sql, args);
    return r;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    for (const t of this.o.tables)
      await this.search.request('DELETE', `/${this.index(t)}_v1`).catch(() => {});
    await this.clients.db.query(`DROP DATABASE IF EXISTS ${this.db}`);
    await this.clients.db
      .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [this.name])
      .catch(() => {});
    await this.clients.close();
    await this.search.close();
  }
}

export const clean = (d: Diff) => ({
  missing: d.missing.length,
  extra: d.extra.length,
  stale: d.stale.length,
});
