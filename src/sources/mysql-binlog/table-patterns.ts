import type { Pool } from 'mysql2/promise';
import { tableMatcher } from '../../config/table-patterns.js';

// The pattern syntax belongs to the config (its checks read it too); re-exported for the sources.
export { tableMatcher };

/** The concrete tables that `db.table` patterns name. */
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
