import type { Pool } from 'mysql2/promise';

/** `db.table` patterns with `*` wildcards → a matcher, and the concrete tables they name. */
export function tableMatcher(patterns: readonly string[]): (database: string, table: string) => boolean {
  const res = patterns.map((p) => {
    const esc = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*');
    return new RegExp(`^${esc}$`);
  });
  return (database, table) => res.some((r) => r.test(`${database}.${table}`));
}

export async function listTables(pool: Pool, patterns: readonly string[]): Promise<string[]> {
  const match = tableMatcher(patterns);
  const [rows] = await pool.query(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES
     WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys')
     ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  return (rows as Array<{ db: string; t: string }>)
    .filter((r) => match(r.db, r.t))
    .map((r) => `${r.db}.${r.t}`);
}

export function splitTable(qualified: string): { database: string; table: string } {
  const i = qualified.indexOf('.');
  return { database: qualified.slice(0, i), table: qualified.slice(i + 1) };
}

export const quoteId = (s: string): string => `\`${s.replaceAll('`', '``')}\``;
