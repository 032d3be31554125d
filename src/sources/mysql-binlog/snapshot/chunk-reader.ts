import type { Pool } from 'mysql2/promise';
import type { Row } from '../../../core/change-event.js';
import { SynclineError } from '../../../core/errors.js';
import { quoteId, splitTable } from '../table-patterns.js';

export interface ChunkTable {
  qualified: string;
  database: string;
  table: string;
  keyColumns: string[];
}

/** Primary key columns of a table in key order, or the configured unique key; refuses a table with neither. */
export async function describeChunkTable(
  pool: Pool,
  qualified: string,
  keyColumns?: readonly string[],
): Promise<ChunkTable> {
  const { database, table } = splitTable(qualified);
  if (keyColumns && keyColumns.length > 0) return { qualified, database, table, keyColumns: [...keyColumns] };
  const [rows] = await pool.query(
    `SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  const cols = (rows as Array<{ c: string }>).map((r) => r.c);
  if (cols.length === 0) {
    throw new SynclineError(
      'NO_PRIMARY_KEY',
      `${qualified} has no primary key: documents need a stable id and the snapshot needs a key to chunk by`,
    );
  }
  return { qualified, database, table, keyColumns: cols };
}

/** `(k1,k2) > (v1,v2)` expanded so that MariaDB's range optimizer uses the key. */
function keyAfter(cols: readonly string[], op: '>' | '<='): string {
  const parts: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eq = cols.slice(0, i).map((c) => `${quoteId(c)} = ?`);
    const last = i === cols.length - 1 && op === '<=' ? '<=' : op === '>' ? '>' : '<';
    parts.push(`(${[...eq, `${quoteId(cols[i]!)} ${last} ?`].join(' AND ')})`);
  }
  return `(${parts.join(' OR ')})`;
}

function keyArgs(key: readonly unknown[]): unknown[] {
  const args: unknown[] = [];
  for (let i = 0; i < key.length; i++) args.push(...key.slice(0, i + 1));
  return args;
}

/**
 * Reads the next chunk after `after` (exclusive) in key order, with a plain consistent read: no table lock,
 * no global lock, no long transaction.
 */
export async function readChunk(
  pool: Pool,
  t: ChunkTable,
  after: readonly unknown[] | null,
  size: number,
  until?: readonly unknown[] | null,
): Promise<{ rows: Row[]; lastKey: unknown[] | null }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (after) {
    where.push(keyAfter(t.keyColumns, '>'));
    args.push(...keyArgs(after));
  }
  if (until) {
    where.push(keyAfter(t.keyColumns, '<='));
    args.push(...keyArgs(until));
  }
  const order = t.keyColumns.map(quoteId).join(', ');
  const sql = `SELECT * FROM ${quoteId(t.database)}.${quoteId(t.table)}${
    where.length ? ` WHERE ${where.join(' AND ')}` : ''
  } ORDER BY ${order} LIMIT ${Math.floor(size)}`;
  const [rows] = await pool.query({ sql, values: args });
  const list = rows as Row[];
  const last = list[list.length - 1];
  return { rows: list, lastKey: last ? t.keyColumns.map((c) => last[c]) : null };
}

export async function estimateRows(pool: Pool, tables: readonly string[]): Promise<number> {
  let total = 0;
  for (const q of tables) {
    const { database, table } = splitTable(q);
    const [rows] = await pool.query(
      'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    total += Number((rows as Array<{ n: number | string | null }>)[0]?.n ?? 0);
  }
  return total;
}
