import mysql, { type RowDataPacket } from 'mysql2/promise';
import { demoProduct } from '../../src/demo/demo-catalog.js';
import { DEMO_SCHEMA } from '../../src/demo/schema.js';
import { rng } from '../../src/demo/seed-data.js';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';

/** The row that marks the end of a workload: never deleted, its bench_seq set last. */
export const SENTINEL_ID = 1;

/** Where the binlog stands: GTID position plus file and offset (for mariadb-binlog and people). */
export interface BinlogMark {
  readonly gtid: string;
  readonly file: string;
  readonly pos: number;
}

/** A generated stretch of binlog: what was written and where it lies. */
export interface Workload {
  readonly from: BinlogMark;
  readonly to: BinlogMark;
  /** Row changes of the bench table in the range (inserts + updates + deletes + the end marker). */
  readonly events: number;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  /** bench_seq the sentinel row carries once the workload is applied. */
  readonly endMarker: number;
  readonly seconds: number;
  /** Rows in the table afterwards, and the highest id ever used. */
  readonly liveRows: number;
  readonly maxId: number;
}

const PRODUCTS_DDL = DEMO_SCHEMA.find((s) => s.includes('TABLE IF NOT EXISTS products'))!;

/**
 * The demo products table plus one column: bench_seq, the marker that freshness probes and end-of-run
 * checks look for (8 bytes; the rows stay in the 300–500 byte demo shape).
 */
export async function createSchema(ctx: BenchContext): Promise<void> {
  const c = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
  try {
    await c.query(`CREATE DATABASE \`${ctx.db}\` CHARACTER SET utf8mb4`);
    await c.query(`USE \`${ctx.db}\``);
    await c.query(PRODUCTS_DDL.replace(/\)\s*ENGINE=/, ', bench_seq BIGINT NULL) ENGINE='));
  } finally {
    await c.end();
  }
}

/** Everything the run created in MariaDB. */
export async function dropSchema(ctx: BenchContext): Promise<void> {
  const c = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${ctx.db}\``);
    await c.query(`DROP DATABASE IF EXISTS \`${ctx.sysDb}\``);
  } finally {
    await c.end();
  }
}

type ProductRow = [number, string, string, string, number, string, number, string, number];

function productRow(r: () => number, id: number, seq: number): ProductRow {
  const p = demoProduct(r);
  return [id, p.name, p.description, p.price, p.category_id, p.tags, p.stock, p.status, seq];
}

const INSERT =
  'INSERT INTO products (id, name, description, price, category_id, tags, stock, status, bench_seq) VALUES ?';

/** Rows 1..n, 1000 per statement, two connections in parallel. Returns the average row size. */
export async function loadRows(
  ctx: BenchContext,
  n: number,
): Promise<{ seconds: number; avgRowBytes: number }> {
  const t0 = performance.now();
  const r = rng(8);
  let next = 1;
  const worker = async () => {
    while (next <= n) {
      const from = next;
      const to = Math.min(n, from + 999);
      next = to + 1;
      const rows: ProductRow[] = [];
      for (let id = from; id <= to; id++) rows.push(productRow(r, id, 0));
      await ctx.pool.query(INSERT, [rows]);
    }
  };
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - t0) / 1000;
  const [[stats]] = (await ctx.pool.query(
    `SELECT AVG(LENGTH(name) + LENGTH(description) + LENGTH(price) + LENGTH(tags) + LENGTH(status) + 40) AS avg
     FROM products`,
  )) as unknown as [[{ avg: string | null }]];
  return { seconds, avgRowBytes: Math.round(Number(stats?.avg ?? 0)) };
}

export async function binlogMark(pool: mysql.Pool): Promise<BinlogMark> {
  const conn = await pool.getConnection();
  try {
    // One session, no writes of ours in between: the GTID and file/offset describe the same point (other
    // sessions may commit between the two reads; the mark is then conservative by a few transactions).
    const isMysql = benchStack.source === 'mysql';
    const [g] = await conn.query<RowDataPacket[]>(
      isMysql ? 'SELECT @@GLOBAL.gtid_executed AS pos' : 'SELECT @@GLOBAL.gtid_binlog_pos AS pos',
    );
    // MySQL 8.4+ spells it SHOW BINARY LOG STATUS (SHOW MASTER STATUS is gone in 9.x)
    const [m] = await conn.query<RowDataPacket[]>(isMysql ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS');
    return { gtid: String(g[0]?.pos ?? ''), file: String(m[0]?.File), pos: Number(m[0]?.Position) };
  } finally {
    conn.release();
  }
}

/**
 * The streaming workload: `changes` row changes, 60% updates, 30% inserts, 10% deletes, in transactions of
 * `perTx` changes (one multi-row statement per kind), written by four connections as fast as the server
 * takes them; then one last transaction that sets the sentinel's bench_seq (the end marker).
 */
export async function mixedChanges(
  ctx: BenchContext,
  opts: { changes: number; perTx: number; firstNewId: number; liveIds: number[]; seed?: number },
): Promise<Workload> {
  const WORKERS = 4;
  const nUpd = Math.round(opts.perTx * 0.6);
  const nIns = Math.round(opts.perTx * 0.3);
  const nDel = opts.perTx - nUpd - nIns;
  const txCount = Math.ceil(opts.changes / opts.perTx);
  // Each worker owns the ids ≡ w (mod WORKERS): no two concurrent transactions touch the same row, so
  // every planned change is exactly one row event (an UPDATE of a row another transaction deleted would
  // silently change nothing). The sentinel is nobody's.
  const owned: number[][] = Array.from({ length: WORKERS }, () => []);
  for (const id of opts.liveIds) if (id !== SENTINEL_ID) owned[id % WORKERS]!.push(id);
  let tx = 0;
  let maxId = opts.firstNewId - 1;
  let inserts = 0;
  let updates = 0;
  let deletes = 0;
  const from = await binlogMark(ctx.pool);
  const t0 = performance.now();
  const worker = async (w: number) => {
    const r = rng((opts.seed ?? 21) + w);
    const live = owned[w]!;
    let nextId = opts.firstNewId + ((w - (opts.firstNewId % WORKERS) + WORKERS) % WORKERS);
    const conn = await ctx.pool.getConnection();
    try {
      while (tx < txCount) {
        const seq = ++tx;
        const upd = new Set<number>();
        while (upd.size < Math.min(nUpd, live.length)) upd.add(live[Math.floor(r() * live.length)]!);
        const del: number[] = [];
        while (del.length < nDel && live.length > upd.size) {
          const k = Math.floor(r() * live.length);
          const id = live[k]!;
          if (upd.has(id)) continue;
          del.push(id);
          live[k] = live[live.length - 1]!;
          live.pop();
        }
        const ins: ProductRow[] = [];
        for (let i = 0; i < nIns; i++) {
          ins.push(productRow(r, nextId, seq));
          live.push(nextId);
          if (nextId > maxId) maxId = nextId;
          nextId += WORKERS;
        }
        await conn.beginTransaction();
        if (upd.size > 0)
          await conn.query(
            'UPDATE products SET stock = (stock + 7) % 1000, price = price + 0.01, bench_seq = ?, updated_at = NOW(6) WHERE id IN (?)',
            [seq, [...upd]],
          );
        if (ins.length > 0) await conn.query(INSERT, [ins]);
        if (del.length > 0) await conn.query('DELETE FROM products WHERE id IN (?)', [del]);
        await conn.commit();
        updates += upd.size;
        inserts += ins.length;
        deletes += del.length;
      }
    } finally {
      conn.release();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const endMarker = 1_000_000_000 + tx;
  await ctx.pool.query('UPDATE products SET bench_seq = ?, updated_at = NOW(6) WHERE id = ?', [
    endMarker,
    SENTINEL_ID,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const to = await binlogMark(ctx.pool);
  opts.liveIds.length = 0;
  opts.liveIds.push(SENTINEL_ID);
  for (const list of owned) for (const id of list) opts.liveIds.push(id);
  return {
    from,
    to,
    events: inserts + updates + deletes + 1,
    inserts,
    updates,
    deletes,
    endMarker,
    seconds,
    liveRows: opts.liveIds.length,
    maxId,
  };
}

/** Binlog files (and sizes) from `from.file` to `to.file`, in order. */
export async function binlogFiles(
  pool: mysql.Pool,
  from: BinlogMark,
  to: BinlogMark,
): Promise<Array<{ file: string; size: number }>> {
  const [rows] = await pool.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const all = rows.map((x) => ({ file: String(x.Log_name), size: Number(x.File_size) }));
  const a = all.findIndex((f) => f.file === from.file);
  const b = all.findIndex((f) => f.file === to.file);
  if (a < 0 || b < a) throw new Error(`binlog files ${from.file}..${to.file} are not on the server`);
  return all.slice(a, b + 1);
}

/** Bytes of binlog between two marks. */
export function bytesBetween(files: Array<{ file: string; size: number }>, from: BinlogMark, to: BinlogMark) {
  if (files.length === 1) return to.pos - from.pos;
  let bytes = files[0]!.size - from.pos;
  for (const f of files.slice(1, -1)) bytes += f.size;
  return bytes + to.pos;
}
