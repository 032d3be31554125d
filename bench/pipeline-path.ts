/**
 * The worker's CPU per event outside decoding, reading and the engine: Pipeline → TableMapping → BulkSink
 * → HTTP, into a stand-in engine in a child process (it answers every `_bulk` item 201, so its own CPU is
 * not counted), from a source that yields events built from real rows. Two shapes:
 *
 *   snapshot    batches of 1,000 'r' events (what a snapshot chunk yields)
 *   streaming   batches of 20 'u' events, before + after (one transaction each)
 *
 * Several builds can be compared in one process, rounds interleaved, so that the machine's load weighs
 * on each alike (docs/performance.md "Where the time goes"):
 *
 *   node --expose-gc bench/.build/bench/pipeline-path.js [--rows 20000] [--rounds 5] [--builds dirA,dirB]
 *     [--profile DIR]
 *
 * `--profile DIR` writes one CPU profile per shape and build (`<shape>-<n>.cpuprofile`) covering only the
 * timed runs — not the start-up, the rows' loading, the warm-up or the forced collections between runs.
 *
 * `--builds` names compiled trees (each a `dist/` of a worktree, default this repository's dist/). Creates
 * its own database `pp_<pid>` on the bench stack's server for the rows and drops it at the end.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import type { ChangeEvent, Row } from '../src/core/change-event.js';
import type { Batch, Source } from '../src/core/interfaces.js';
import { demoProduct } from '../src/demo/demo-catalog.js';
import { DEMO_SCHEMA } from '../src/demo/schema.js';
import { rng } from '../src/demo/seed-data.js';
import { benchStack, loadBenchConfig, MYSQL_HOST } from './harness/context.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** The stand-in engine: GET / as OpenSearch 2.19, every `_bulk` item 201. Prints its port. */
function engine(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'GET') {
        res.end('{"version":{"distribution":"opensearch","number":"2.19.6"}}');
        return;
      }
      const items: string[] = [];
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line.startsWith('{"index"')) items.push('{"index":{"status":201}}');
        else if (line.startsWith('{"delete"')) items.push('{"delete":{"status":200}}');
      }
      res.end(`{"took":1,"errors":false,"items":[${items.join(',')}]}`);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.((server.address() as AddressInfo).port);
  });
}

interface Build {
  readonly name: string;
  readonly Pipeline: typeof import('../src/core/pipeline.js').Pipeline;
  readonly TableMapping: typeof import('../src/mapping/table-mapping.js').TableMapping;
  readonly BulkSink: typeof import('../src/sinks/search/bulk-sink.js').BulkSink;
  readonly SearchClient: typeof import('../src/sinks/search/client.js').SearchClient;
}

async function loadBuild(dist: string): Promise<Build> {
  const from = (p: string) => import(path.join(dist, p));
  return {
    name: dist,
    Pipeline: (await from('core/pipeline.js')).Pipeline,
    TableMapping: (await from('mapping/table-mapping.js')).TableMapping,
    BulkSink: (await from('sinks/search/bulk-sink.js')).BulkSink,
    SearchClient: (await from('sinks/search/client.js')).SearchClient,
  };
}

function position(seq: number) {
  return { version: BigInt(seq) << 22n, checkpoint: { gtid: `0-1-${seq}` }, label: `gtid 0-1-${seq}` };
}

function event(db: string, op: 'r' | 'u', before: Row | null, after: Row, seq: number): ChangeEvent {
  return {
    op,
    before,
    after,
    key: { id: after.id },
    source: {
      connector: 'mysql-binlog',
      database: db,
      table: 'products',
      position: position(seq),
      snapshot: op === 'r',
      tsMs: op === 'r' ? 0 : Date.now(),
    },
  };
}

/**
 * A source yielding `events` in batches of `size`; each batch's position is its last event's. With
 * `everyMs`, one batch per interval (a live trickle), and `latencies` gets each batch's time from its
 * hand-over to its acknowledgement (the sink's and pipeline's share of freshness).
 */
function source(
  events: readonly ChangeEvent[],
  size: number,
  paced?: { everyMs: number; latencies: number[] },
): Source {
  return {
    name: 'pp',
    async *start(): AsyncIterable<Batch> {
      const t0 = performance.now();
      for (let i = 0, n = 0; i < events.length; i += size, n++) {
        const slice = events.slice(i, i + size);
        if (paced) {
          const due = t0 + n * paced.everyMs - performance.now();
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
        const at = performance.now();
        const ack = paced
          ? async () => {
              paced.latencies.push(performance.now() - at);
            }
          : async () => {};
        yield { events: slice, position: slice[slice.length - 1]!.source.position, ack };
      }
    },
  };
}

/**
 * CPU profiles of the timed runs only, one per key (its runs' samples appended): with no directory, runs
 * `fn` as it is.
 */
async function timedRunsProfiler(dir: string | undefined) {
  const session = new Session();
  const profiles = new Map<string, { nodes: unknown[]; samples: number[]; timeDeltas: number[] }[]>();
  if (dir) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  return {
    async around<T>(key: string, fn: () => Promise<T>): Promise<T> {
      if (!dir) return fn();
      await session.post('Profiler.start');
      const out = await fn();
      const { profile } = await session.post('Profiler.stop');
      profiles.set(key, [...(profiles.get(key) ?? []), profile as never]);
      return out;
    },
    async write(): Promise<void> {
      if (!dir) return;
      mkdirSync(dir, { recursive: true });
      for (const [key, runs] of profiles)
        for (const [i, p] of runs.entries())
          writeFileSync(path.join(dir, `${key}-run${i}.cpuprofile`), JSON.stringify(p));
      session.disconnect();
    },
  };
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rows = Number(flag('--rows') ?? 20_000);
  const rounds = Number(flag('--rounds') ?? 5);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // compiled to bench/.build/bench/: the repository's dist/ is four levels up
  const dists = (flag('--builds') ?? path.resolve(here, '..', '..', '..', 'dist')).split(',');
  const builds = await Promise.all(dists.map(loadBuild));
  loadBenchConfig(process.env.SYNCLINE_BENCH_CONFIG);

  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--engine'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const db = `pp_${process.pid}`;
  const admin = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
  await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  const pool = mysql.createPool({
    host: MYSQL_HOST,
    port: benchStack.mysqlPort,
    user: 'root',
    database: db,
    connectionLimit: 2,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
    jsonStrings: true,
  });
  try {
    const ddl = DEMO_SCHEMA.find((s) => s.includes('TABLE IF NOT EXISTS products'))!;
    await pool.query(ddl.replace(/\)\s*ENGINE=/, ', bench_seq BIGINT NULL) ENGINE='));
    const r = rng(8);
    for (let from = 1; from <= rows; from += 1000) {
      const values = [];
      for (let id = from; id < Math.min(rows + 1, from + 1000); id++) {
        const p = demoProduct(r);
        values.push([id, p.name, p.description, p.price, p.category_id, p.tags, p.stock, p.status, 0]);
      }
      await pool.query(
        'INSERT INTO products (id, name, description, price, category_id, tags, stock, status, bench_seq) VALUES ?',
        [values],
      );
    }
    const [read] = (await pool.query('SELECT * FROM products ORDER BY id')) as unknown as [Row[]];
    const snapshot = read.map((row, i) => event(db, 'r', null, row, i + 1));
    const updates = read.map((row, i) =>
      event(db, 'u', row, { ...row, stock: Number(row.stock) + 1 }, rows + i + 1),
    );
    const logger = pino({ level: 'silent' });
    const run = async (
      b: Build,
      events: readonly ChangeEvent[],
      size: number,
      paced?: { everyMs: number; latencies: number[] },
    ): Promise<number> => {
      const mapping = await b.TableMapping.load(pool, { table: `${db}.products`, index: 'pp' });
      const client = new b.SearchClient({ url: `http://127.0.0.1:${port}`, connections: 8 });
      const deadLetters = {
        put: async () => 0,
        list: async () => [],
        counts: async () => [],
        remove: async () => 0,
      };
      const sink = new b.BulkSink({
        client,
        deadLetters,
        pipeline: 'pp',
        config: {
          batch: { maxDocs: 1000, maxBytes: 5 * 1024 * 1024, lingerMs: 50 },
          concurrency: 4,
          maxBufferedBytes: 32 * 1024 * 1024,
          retry: { initialMs: 100, maxMs: 30_000, maxAttempts: 0 },
          refresh: 'false',
        },
      });
      const pipeline = new b.Pipeline({
        name: 'pp',
        source: source(events, size, paced),
        mapping,
        sink,
        checkpoints: { load: async () => undefined, commit: async () => {}, close: async () => {} },
        deadLetters,
        logger,
      });
      (global as { gc?: () => void }).gc?.();
      const c0 = cpuMicros();
      await pipeline.run(new AbortController().signal);
      const us = (cpuMicros() - c0) / events.length;
      await sink.close();
      await client.close();
      if (pipeline.stats.docsOk !== events.length)
        throw new Error(`${b.name}: ${pipeline.stats.docsOk} of ${events.length} written`);
      return us;
    };
    const shapes = { snapshot: [snapshot, 1000], streaming: [updates, 20] } as const;
    const res = new Map<string, number[]>();
    const profiler = await timedRunsProfiler(flag('--profile'));
    for (const b of builds) for (const [, [evs, size]] of Object.entries(shapes)) await run(b, evs, size); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const [n, b] of builds.entries()) {
        for (const [shape, [evs, size]] of Object.entries(shapes)) {
          const key = `${shape.padEnd(10)} ${b.name}`;
          const us = await profiler.around(`${shape}-${n}`, () => run(b, evs, size));
          res.set(key, [...(res.get(key) ?? []), us]);
        }
      }
    }
    await profiler.write();
    process.stdout.write(`rows ${rows}, rounds ${rounds} (builds interleaved), CPU µs per event:\n`);
    for (const [key, xs] of [...res].sort(([a], [b]) => a.localeCompare(b))) {
      const lo = Math.min(...xs).toFixed(1);
      const hi = Math.max(...xs).toFixed(1);
      process.stdout.write(`${key}  ${median(xs).toFixed(1)} (min ${lo}, max ${hi})\n`);
    }
    // a live trickle: one 20-change transaction every 20 ms (1,000 changes/s) for 4 s
    process.stdout.write('trickle, 20 changes every 20 ms: hand-over → acknowledged, ms p50 / p99\n');
    for (const b of builds) {
      const latencies: number[] = [];
      await run(b, updates.slice(0, 4000), 20, { everyMs: 20, latencies });
      const sorted = latencies.sort((x, y) => x - y);
      const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
      process.stdout.write(`  ${b.name}  ${p(0.5)} / ${p(0.99)}\n`);
    }
  } finally {
    child.kill();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
  }
}

if (args.includes('--engine')) engine();
else
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
