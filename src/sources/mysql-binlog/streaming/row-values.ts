import type { Row } from '../../../core/change-event.js';

/** The column description zongji keeps per table (INFORMATION_SCHEMA.COLUMNS shape). */
export interface ColumnSchemaLike {
  readonly COLUMN_NAME: string;
  readonly COLUMN_TYPE: string;
}

/**
 * Makes binlog row values look like the same row read by SELECT through the project's mysql2 pool
 * (dateStrings, supportBigNumbers + bigNumberStrings), so snapshot ('r') and streamed ('c'/'u') rows of
 * one table carry the same JS types and the index does not flip-flop between them:
 *   - BIGINT: zongji gives a Number within ±2^53 and an exact string beyond; the pool always a string.
 * FLOAT keeps the exact float32 the binlog holds (1.1 → 1.100000023841858): the table map does not say
 * FLOAT(M,D), so the mapping, which knows the column from INFORMATION_SCHEMA, rounds it the way the
 * server prints it (6 significant digits, or D decimals).
 * Everything else already matches (DECIMAL exact strings, DATE/DATETIME/TIMESTAMP strings, JSON text on
 * MariaDB, BLOB/BINARY/BIT Buffers). Returns undefined when a table has nothing to adjust.
 */
export function rowNormalizer(
  schemas: readonly ColumnSchemaLike[] | undefined,
): ((row: Row) => void) | undefined {
  if (!schemas) return undefined;
  const bigints: string[] = [];
  for (const c of schemas) {
    const type = c.COLUMN_TYPE.toLowerCase();
    if (type.startsWith('bigint')) bigints.push(c.COLUMN_NAME);
  }
  if (bigints.length === 0) return undefined;
  return (row) => {
    for (const name of bigints) {
      const v = row[name];
      if (typeof v === 'number') row[name] = String(v);
    }
  };
}
