import mysql from 'mysql2/promise';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';

/** A run this much older than now is not running any more (the full run takes well under an hour). */
const STALE_AFTER_MS = 6 * 3600_000;

/** The start time encoded in a run id (`yymmddhhmmss` + 2 random chars, UTC), or undefined. */
export function runStartedAt(name: string): number | undefined {
  const m = /^bench_(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})[0-9a-z]{2}(?:_|$)/.exec(name);
  if (!m) return undefined;
  const [, yy, mo, dd, hh, mi, ss] = m.map(Number) as number[];
  return Date.UTC(2000 + yy!, mo! - 1, dd!, hh!, mi!, ss!);
}

/**
 * Removes what runs that were killed mid-way left behind (their `bench_*` databases and indexes): a run
 * cleans up after itself when it ends, but not after SIGKILL. Only runs older than six hours go, so a
 * bench running right now from another checkout on the same servers is never touched.
 */
export async function removeStaleRuns(ctx: BenchContext, now = Date.now()): Promise<string[]> {
  const stale = (name: string) => {
    const t = runStartedAt(name);
    return t !== undefined && now - t > STALE_AFTER_MS && !name.startsWith(ctx.db);
  };
  const removed: string[] = [];
  const c = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
  try {
    const [rows] = (await c.query("SHOW DATABASES LIKE 'bench\\_%'")) as unknown as [
      Array<Record<string, string>>,
    ];
    for (const row of rows) {
      const name = Object.values(row)[0]!;
      if (!stale(name)) continue;
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      removed.push(name);
    }
  } finally {
    await c.end();
  }
  const res = await ctx.search.request<Array<{ index: string }>>('GET', '/_cat/indices/bench_*?format=json');
  if (Array.isArray(res.body)) {
    for (const { index } of res.body) {
      if (!stale(index)) continue;
      await ctx.search.request('DELETE', `/${index}`);
      removed.push(index);
    }
  }
  return removed;
}
