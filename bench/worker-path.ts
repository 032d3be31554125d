/**
 * The worker's per-row CPU cost outside decoding and HTTP, in one process, variants interleaved so an A/B
 * is taken in the same run (docs/performance.md "Where the time goes"):
 *
 *   read        SELECT chunks of 1,000 rows through readRows (the snapshot's exact-number read path), and
 *               the same chunks with mysql2's typeCast hook on every field (how readRows read before)
 *   map+encode  snapshot rows ('r') and streamed updates ('u', before + after) → TableMapping.toOps →
 *               the sink's encodeOp (the `_bulk` bytes), as the pipeline and the sink do it
 *
 *   node --expose-gc bench/.build/bench/worker-path.js [--rows 20000] [--rounds 7]
 *
 * Creates its own database `wp_<pid>` with the bench's products table on the bench stack's server and
 * drops it at the end. Prints, per phase, the CPU time (user + sys of this process) per row: median and
 * min–max over the rounds (run with --expose-gc: a full collection before each measurement, so each
 * variant pays for its own garbage).
 */
import mysql from 'mysql2/promise';
import type { ChangeEvent, Row } from '../src/core/change-event.js';
import { demoProduct } from '../src/demo/demo-catalog.js';
import { DEMO_SCHEMA } from '../src/demo/schema.js';
import { rng } from '../src/demo/seed-data.js';
import { exactNumberCast, readRows } from '../src/mapping/exact-numbers.js';
import { TableMapping } from '../src/mapping/table-mapping.js';
import { encodeOp } from '../src/sinks/search/request-builder.js';
import { benchStack, loadBenchConfig, MYSQL_HOST } from './harness/context.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROWS = flag('--rows', 20_000);
const ROUNDS = flag('--rounds', 7);

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU µs per row of one run of `fn` over `n` rows (the GC it causes included: a full GC runs before). */
async function measure(n: number, fn: () => unknown): Promise<{ us: number }> {
  const c0 = cpuMicros();
  await fn();
  return { us: (cpuMicros() - c0) / n };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(2)} µs (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

function position(seq: number) {
  return { version: BigInt(seq) << 22n, checkpoint: { gtid: `0-1-${seq}` }, label: `gtid 0-1-${seq}` };
}

function snapshotEvent(db: string, row: Row, seq: number): ChangeEvent {
  return {
    op: 'r',
    before: null,
    after: row,
    key: { id: row.id },
    source: {
      connector: 'mysql-binlog',
      database: db,
      table: 'products',
      position: position(seq),
      snapshot: true,
      tsMs: 0,
    },
  };
}

function updateEvent(db: string, before: Row, after: Row, seq: number): ChangeEvent {
  return {
    op: 'u',
    before,
    after,
    key: { id: after.id },
    source: {
      connector: 'mysql-binlog',
      database: db,
      table: 'products',
      position: position(seq),
      snapshot: false,
      tsMs: Date.now(),
    },
    transaction: { id: `0-1-${seq}`, order: 0 },
  };
}

async function main(): Promise<void> {
  loadBenchConfig(process.env.SYNCLINE_BENCH_CONFIG);
  const db = `wp_${process.pid}`;
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
  pool.pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  try {
    const ddl = DEMO_SCHEMA.find((s) => s.includes('TABLE IF NOT EXISTS products'))!;
    await pool.query(ddl.replace(/\)\s*ENGINE=/, ', bench_seq BIGINT NULL) ENGINE='));
    const r = rng(8);
    for (let from = 1; from <= ROWS; from += 1000) {
      const rows = [];
      for (let id = from; id < Math.min(ROWS + 1, from + 1000); id++) {
        const p = demoProduct(r);
        rows.push([id, p.name, p.description, p.price, p.category_id, p.tags, p.stock, p.status, 0]);
      }
      await pool.query(
        'INSERT INTO products (id, name, description, price, category_id, tags, stock, status, bench_seq) VALUES ?',
        [rows],
      );
    }
    const mapping = await TableMapping.load(pool, { table: `${db}.products`, index: 'wp' });

    const CHUNK = 'SELECT * FROM `products` WHERE `id` > ? ORDER BY `id` LIMIT 1000';
    // readRows reads a table without FLOAT/DOUBLE columns without mysql2's typeCast hook; `hooked` reads
    // the same chunks the way it did before (the hook on every field), for the A/B
    const readAll = async (hooked = false): Promise<Row[]> => {
      const out: Row[] = [];
      let last = 0;
      for (;;) {
        const chunk = hooked
          ? ((await pool.query({ sql: CHUNK, values: [last], typeCast: exactNumberCast }))[0] as Row[])
          : await readRows(pool, db, 'products', CHUNK, [last]);
        if (chunk.length === 0) return out;
        for (const row of chunk) out.push(row);
        last = Number(chunk[chunk.length - 1]!.id);
      }
    };
    const rows = await readAll();
    const snapshot = rows.map((row, i) => snapshotEvent(db, row, i + 1));
    const updates = rows.map((row, i) =>
      updateEvent(db, row, { ...row, stock: Number(row.stock) + 1 }, ROWS + i + 1),
    );
    let bytes = 0;
    const encodeAll = (events: readonly ChangeEvent[]) => {
      for (const ev of events) for (const op of mapping.toOps(ev)) bytes += encodeOp(op).bytes;
    };
    const phases: Record<string, () => unknown> = {
      'read, typeCast hook on every field': () => readAll(true),
      'read, readRows (no hook: no FLOAT/DOUBLE)': () => readAll(false),
      'map+encode snapshot row': () => encodeAll(snapshot),
      'map+encode streamed update': () => encodeAll(updates),
    };
    // warm-up: the JIT sees every path before the clock runs
    for (const fn of Object.values(phases)) await fn();
    const res: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of Object.entries(phases)) {
        (global as { gc?: () => void }).gc?.();
        const us = (await measure(ROWS, fn)).us;
        res[name] = [...(res[name] ?? []), us];
      }
    }
    const perOp = bytes / ROWS / 2 / (ROUNDS + 1);
    process.stdout.write(
      `rows ${ROWS}, rounds ${ROUNDS} (variants interleaved), ~${perOp.toFixed(0)} bytes per op, CPU µs per row:\n`,
    );
    for (const [name, xs] of Object.entries(res)) process.stdout.write(`${name.padEnd(38)} ${fmt(xs)}\n`);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
