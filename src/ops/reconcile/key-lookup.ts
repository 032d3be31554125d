import type { Pool } from 'mysql2/promise';
import type { Row } from '../../core/change-event.js';
import { splitDocumentId } from '../../mapping/document-id.js';
import { readRows } from '../../mapping/exact-numbers.js';
import type { TableMapping } from '../../mapping/table-mapping.js';
import { quoteId } from '../../sources/mysql-binlog/table-patterns.js';

/**
 * From a document id back to the key values a WHERE clause can use, for the key column types whose id
 * form can be turned back exactly. A wrong guess can only make a row look absent, so every row found
 * is checked by recomputing its id; types that cannot be reversed exactly are refused up front (the
 * extras check of that index is then skipped and the report says why).
 */
export type KeyReverser = (id: string) => unknown[] | null;

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const NUMBER = new Set(['decimal', 'numeric', 'float', 'double', 'real']);
const TEXT = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'uuid',
  'inet4',
  'inet6',
  'date',
  'time',
]);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);
const UTC_ZONES = new Set(['utc', 'z', '+00:00', '-00:00', '+0000', 'gmt']);

/** A reverser for the mapping's key, or the reason there is none. */
export function keyReverser(m: TableMapping): KeyReverser | { unsupported: string } {
  const parts: Array<(s: string) => unknown | null> = [];
  for (const k of m.keyColumns) {
    const c = m.columns.columns.find((x) => x.name === k);
    const t = c?.type ?? 'unknown';
    if (INTEGER.has(t) && !(c?.isTinyint1 && m.config.tinyint1 === 'boolean')) {
      parts.push((s) => (/^-?\d+$/.test(s) ? s : null));
    } else if (NUMBER.has(t)) {
      parts.push((s) => (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s) ? s : null));
    } else if (TEXT.has(t)) {
      parts.push((s) => s);
    } else if (BYTES.has(t)) {
      parts.push((s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) ? Buffer.from(s, 'base64') : null));
    } else if (
      t === 'timestamp' ||
      (t === 'datetime' && UTC_ZONES.has(m.config.datetimeZone.toLowerCase()))
    ) {
      // converted to UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"; the pool's session zone is UTC
      parts.push((s) => {
        const x = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(s);
        return x ? `${x[1]} ${x[2]}` : null;
      });
    } else {
      return { unsupported: `key column ${k} of type ${t} cannot be read back from a document id` };
    }
  }
  const n = parts.length;
  return (id) => {
    const raw = splitDocumentId(id, n);
    if (raw.length !== n) return null;
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const v = parts[i]!(raw[i]!);
      if (v === null) return null;
      out.push(v);
    }
    return out;
  };
}

/** The key values of a row, in key-column order (as read: exact for a WHERE clause). */
export function keyOf(m: TableMapping, row: Row): unknown[] {
  return m.keyColumns.map((k) => row[k]);
}

/**
 * The rows with these keys, by document id (rows whose recomputed id is not one asked for are kept
 * under their own id; callers look up what they asked). Batches of 500 keys per query.
 */
export async function rowsByKeys(
  pool: Pool,
  m: TableMapping,
  keys: readonly unknown[][],
): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  const cols = m.keyColumns.map(quoteId);
  const one = `(${cols.map((c) => `${c} = ?`).join(' AND ')})`;
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const sql = `SELECT * FROM ${quoteId(m.database)}.${quoteId(m.table)} WHERE ${part.map(() => one).join(' OR ')}`;
    for (const row of await readRows(pool, m.database, m.table, sql, part.flat())) {
      try {
        out.set(m.idOf(row), row);
      } catch {
        // a row whose key cannot form an id is not what was asked for
      }
    }
  }
  return out;
}
