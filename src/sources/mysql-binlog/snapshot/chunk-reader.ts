import type { Pool } from 'mysql2/promise';
import type { Row } from '../../../core/change-event.js';
import { SynclineError } from '../../../core/errors.js';
import {
  columnTypeFromInformationSchema,
  type InformationSchemaColumn,
} from '../../../mapping/column-types.js';
import { readRows } from '../../../mapping/exact-numbers.js';
import { quoteId, splitTable } from '../table-patterns.js';
import type { KeyColumnType } from './key-normaliser.js';

export interface ChunkTable {
  qualified: string;
  database: string;
  table: string;
  keyColumns: string[];
  /** Types of the key columns, so both drivers' renderings of a key compare alike (key-normaliser.ts). */
  keyTypes?: KeyColumnType[];
}

/** Primary key columns of a table in key order, or the configured unique key; refuses a table with neither. */
export async function describeChunkTable(
  pool: Pool,
  qualified: string,
  keyColumns?: readonly string[],
): Promise<ChunkTable> {
  const { database, table } = splitTable(qualified);
  const cols =
    keyColumns && keyColumns.length > 0 ? [...keyColumns] : await primaryKey(pool, database, table);
  if (cols.length === 0) {
    throw new SynclineError(
      'NO_PRIMARY_KEY',
      `${qualified} has no primary key: documents need a stable id and the snapshot needs a key to chunk by`,
    );
  }
  return {
    qualified,
    database,
    table,
    keyColumns: cols,
    keyTypes: await keyTypes(pool, database, table, cols),
  };
}

async function primaryKey(pool: Pool, database: string, table: string): Promise<string[]> {
  const [rows] = await pool.query(
    `SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return (rows as Array<{ c: string }>).map((r) => r.c);
}

async function keyTypes(
  pool: Pool,
  database: string,
  table: string,
  cols: string[],
): Promise<KeyColumnType[]> {
  const [rows] = await pool.query(
    `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION,
            CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, IS_NULLABLE, COLLATION_NAME
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME IN (?)`,
    [database, table, cols],
  );
  return (rows as Array<InformationSchemaColumn & { COLLATION_NAME: string | null }>).map((r) => ({
    ...columnTypeFromInformationSchema(r),
    collation: r.COLLATION_NAME ?? null,
  }));
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
  const list = await readRows(pool, t.database, t.table, sql, args); // FLOAT/DOUBLE exact
  const last = list[list.length - 1];
  return { rows: list, lastKey: last ? t.keyColumns.map((c) => last[c]) : null };
}

/**
 * The table's greatest key now (null when the table is empty): the snapshot's upper bound, so an
 * append-heavy table is not chased forever — rows added later arrive by the stream. Read like the chunks
 * (FLOAT/DOUBLE exact): a bound read below the stored value would leave the greatest row unread.
 */
export async function readMaxKey(pool: Pool, t: ChunkTable): Promise<unknown[] | null> {
  const order = t.keyColumns.map((c) => `${quoteId(c)} DESC`).join(', ');
  const sql = `SELECT * FROM ${quoteId(t.database)}.${quoteId(t.table)} ORDER BY ${order} LIMIT 1`;
  const row = (await readRows(pool, t.database, t.table, sql))[0];
  return row ? t.keyColumns.map((c) => row[c]) : null;
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
