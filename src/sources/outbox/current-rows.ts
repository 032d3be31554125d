import type { FieldPacket, Pool } from 'mysql2/promise';
import type { Row } from '../../core/change-event.js';
import { selectExact } from '../../mapping/exact-numbers.js';
import type { ChunkTable } from '../mysql-binlog/snapshot/chunk-reader.js';
import { quoteId } from '../mysql-binlog/table-patterns.js';

/** Key lookups per statement: a few hundred keep the statement small and still one round trip per batch. */
const PER_STATEMENT = 250;

/**
 * The current rows of `keys` (one value per key column, in t.keyColumns order), as the snapshot reads
 * rows (`SELECT t.*` on the shared pool). One statement per PER_STATEMENT keys: a UNION ALL of key
 * lookups, each tagged with its key's position, so the server — not a string comparison here — decides
 * which row a key names, with the column's own type and collation, as the application's statements did.
 * The result is aligned with `keys`: [] where the row is gone.
 */
export async function readCurrentRows(
  pool: Pool,
  t: ChunkTable,
  keys: ReadonlyArray<readonly unknown[]>,
): Promise<Row[][]> {
  const out: Row[][] = keys.map(() => []);
  const from = `${quoteId(t.database)}.${quoteId(t.table)} AS t`;
  const where = t.keyColumns.map((c) => `t.${quoteId(c)} = ?`).join(' AND ');
  for (let start = 0; start < keys.length; start += PER_STATEMENT) {
    const chunk = keys.slice(start, start + PER_STATEMENT);
    // the tag is a literal: rows are matched back by position, whatever the table's column names are
    const sql = (columns: string) =>
      chunk
        .map((_, i) => `SELECT ${start + i} AS syncline_key_no, ${columns} FROM ${from} WHERE ${where}`)
        .join(' UNION ALL ');
    // `columns` is t.* with FLOAT and DOUBLE read exactly, as every row read (mapping/exact-numbers.ts)
    const [rows, fields] = (await selectExact(pool, t.database, t.table, sql, chunk.flat(), {
      qualifier: 't',
      rowsAsArray: true,
    })) as [unknown[][], FieldPacket[]];
    const names = fields.map((f) => f.name);
    for (const values of rows) {
      const row: Row = {};
      for (let j = 1; j < names.length; j++) row[names[j]!] = values[j];
      out[Number(values[0])]!.push(row);
    }
  }
  return out;
}
