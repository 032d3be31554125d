import type { Pool } from 'mysql2/promise';
import { SynclineError } from '../../core/errors.js';
import { quoteId, splitTable } from '../mysql-binlog/table-patterns.js';

/**
 * Deletes for polling without a soft-delete column: an AFTER DELETE trigger per table writes the key
 * of each deleted row into one tombstone table, which the poller reads like a table (docs/polling.md).
 */

export const DEFAULT_TOMBSTONE_TABLE = 'polling_tombstones';

/** The trigger's name for a table (≤ 64 characters, stable: remove-triggers finds it by name). */
export function triggerName(table: string): string {
  const name = `syncline_tombstone_${table}`;
  return name.length <= 64 ? name : `syncline_tombstone_${table.slice(0, 32)}_${hash(table)}`;
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/**
 * The tombstone table: one row per deleted source row. `deleted_at` is NOW(6) of the deleting session,
 * the same clock as an ON UPDATE CURRENT_TIMESTAMP(6) tracking column; `id` orders deletes of one µs.
 */
export async function ensureTombstoneTable(pool: Pool, qualified: string): Promise<void> {
  const { database, table } = splitTable(qualified);
  await pool.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(database)}`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${quoteId(database)}.${quoteId(table)} (
       id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
       source_db VARCHAR(64) NOT NULL,
       source_table VARCHAR(64) NOT NULL,
       pk LONGTEXT NOT NULL CHECK (JSON_VALID(pk)),
       deleted_at DATETIME(6) NOT NULL,
       KEY by_table (source_db, source_table, deleted_at, id)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  );
}

async function primaryKey(pool: Pool, database: string, table: string): Promise<string[]> {
  const [rows] = await pool.query(
    `SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return (rows as Array<{ c: string }>).map((r) => r.c);
}

const literal = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

/** Creates the tombstone table (when missing) and the table's AFTER DELETE trigger. Idempotent. */
export async function installTombstoneTrigger(
  pool: Pool,
  qualifiedTable: string,
  tombstoneTable: string,
  keyColumns?: readonly string[],
): Promise<{ trigger: string; keyColumns: string[] }> {
  const { database, table } = splitTable(qualifiedTable);
  const keys =
    keyColumns && keyColumns.length > 0 ? [...keyColumns] : await primaryKey(pool, database, table);
  if (keys.length === 0) {
    const [exists] = await pool.query(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    throw new SynclineError(
      (exists as unknown[]).length === 0 ? 'CONFIG_INVALID' : 'NO_PRIMARY_KEY',
      (exists as unknown[]).length === 0
        ? `${qualifiedTable}: no such table`
        : `${qualifiedTable} has no primary key: the tombstone needs the deleted row's key`,
    );
  }
  await ensureTombstoneTable(pool, tombstoneTable);
  const t = splitTable(tombstoneTable);
  const name = triggerName(table);
  const pk = `JSON_OBJECT(${keys.map((k) => `${literal(k)}, OLD.${quoteId(k)}`).join(', ')})`;
  await pool.query(`DROP TRIGGER IF EXISTS ${quoteId(database)}.${quoteId(name)}`);
  await pool.query(
    `CREATE TRIGGER ${quoteId(database)}.${quoteId(name)} AFTER DELETE ON ${quoteId(database)}.${quoteId(table)}
     FOR EACH ROW INSERT INTO ${quoteId(t.database)}.${quoteId(t.table)} (source_db, source_table, pk, deleted_at)
     VALUES (${literal(database)}, ${literal(table)}, ${pk}, NOW(6))`,
  );
  return { trigger: `${database}.${name}`, keyColumns: keys };
}

/** Drops the table's trigger (the tombstone table and its rows stay: other tables may use it). */
export async function removeTombstoneTrigger(
  pool: Pool,
  qualifiedTable: string,
): Promise<{ trigger: string; existed: boolean }> {
  const { database, table } = splitTable(qualifiedTable);
  const name = triggerName(table);
  const [rows] = await pool.query(
    'SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?',
    [database, name],
  );
  await pool.query(`DROP TRIGGER IF EXISTS ${quoteId(database)}.${quoteId(name)}`);
  return { trigger: `${database}.${name}`, existed: (rows as unknown[]).length > 0 };
}
