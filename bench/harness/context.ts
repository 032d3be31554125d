import { mkdirSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { loadConfig, resolveConfig } from '../../src/config/load.js';
import type { SynclineConfig } from '../../src/config/schema.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import type { Mode, Sizes } from './sizes.js';

export const MYSQL_HOST = '127.0.0.1';

/**
 * Where the benchmark's servers listen: the local stack's ports from the resolved config (the defaults,
 * or `--config <file>`'s `stack` section), set once by bench/main.ts before anything connects.
 */
export const benchStack = {
  /** The source server of the run (`--source`): the local stack's MariaDB 10.11 or MySQL 9.7. */
  source: 'mariadb' as BenchSource,
  mysqlPort: 3307,
  searchUrl: 'http://127.0.0.1:9200',
  kafkaBrokers: '127.0.0.1:9092',
};

export type BenchSource = 'mariadb' | 'mysql';

/** `--config <file>` of the run (passed to child harness processes as SYNCLINE_BENCH_CONFIG). */
export function loadBenchConfig(
  file: string | undefined,
  source = process.env.SYNCLINE_BENCH_SOURCE,
): SynclineConfig {
  const config = file ? loadConfig({ file }) : resolveConfig({}, process.env);
  useStackPorts(config.stack, source === 'mysql' ? 'mysql' : 'mariadb');
  return config;
}

export function useStackPorts(stack: SynclineConfig['stack'], source: BenchSource = 'mariadb'): void {
  benchStack.source = source;
  benchStack.mysqlPort = source === 'mysql' ? stack.mysql.port : stack.mariadb.port;
  benchStack.searchUrl = `http://127.0.0.1:${stack.opensearch.port}`;
  benchStack.kafkaBrokers = `127.0.0.1:${stack.kafka.port}`;
}

/** Everything one benchmark run shares: names (all `bench_*`), pools, where files go, the log. */
export interface BenchContext {
  readonly mode: Mode;
  readonly sizes: Sizes;
  readonly runId: string;
  /** The dedicated database of this run, and the one for Syncline's checkpoints and snapshot signals. */
  readonly db: string;
  readonly sysDb: string;
  /** `db.products`. */
  readonly table: string;
  /** Syncline's target index (an alias over `<index>_v1`). */
  readonly index: string;
  readonly repoRoot: string;
  /** Scratch files of this run (configs, logs, profiles): bench/results/tmp/<runId>. */
  readonly tmpDir: string;
  readonly profile: boolean;
  /** Worker config overrides from `--set` (merged over the benchmark's worker config). */
  readonly overrides: Record<string, unknown>;
  /** Node flags of the Syncline worker process only (`--worker-node-options`). */
  readonly workerNodeOptions: readonly string[];
  readonly pool: mysql.Pool;
  readonly search: SearchClient;
  log(message: string): void;
  /** Things the reader of the results must know (fallbacks taken, what could not run and why). */
  note(message: string): void;
  readonly notes: string[];
  close(): Promise<void>;
}

export function createContext(o: {
  mode: Mode;
  sizes: Sizes;
  repoRoot: string;
  profile: boolean;
  overrides?: Record<string, unknown>;
  workerNodeOptions?: readonly string[];
}): BenchContext {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(2, 14);
  const runId = `${stamp}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
  const db = `bench_${runId}`;
  const tmpDir = path.join(o.repoRoot, 'bench', 'results', 'tmp', runId);
  mkdirSync(tmpDir, { recursive: true });
  const pool = createBenchPool(db, 8);
  const search = new SearchClient({ url: benchStack.searchUrl, connections: 8, requestTimeoutMs: 120_000 });
  const t0 = Date.now();
  const notes: string[] = [];
  return {
    mode: o.mode,
    sizes: o.sizes,
    runId,
    db,
    sysDb: `${db}_sys`,
    table: `${db}.products`,
    index: `${db}_products`,
    repoRoot: o.repoRoot,
    tmpDir,
    profile: o.profile,
    overrides: o.overrides ?? {},
    workerNodeOptions: o.workerNodeOptions ?? [],
    pool,
    search,
    notes,
    log(message) {
      process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
    },
    note(message) {
      notes.push(message);
      this.log(`note: ${message}`);
    },
    async close() {
      await Promise.allSettled([pool.end(), search.close()]);
    },
  };
}

/**
 * A root pool on the bench database, reading values the way Syncline's own pool does (docs/mapping.md),
 * in a UTC session so NOW(6) stamps and the mapping's DATETIME handling agree.
 */
export function createBenchPool(database: string | undefined, connections: number): mysql.Pool {
  const pool = mysql.createPool({
    host: MYSQL_HOST,
    port: benchStack.mysqlPort,
    user: 'root',
    connectionLimit: connections,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    charset: 'utf8mb4',
    ...(database && { database }),
  });
  pool.pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}
