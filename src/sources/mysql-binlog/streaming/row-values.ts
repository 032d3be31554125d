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
 *   - TIME: a negative value with zero seconds and no fraction arrives wrong (see negativeTime).
 * Everything else already matches (DECIMAL exact strings, DATE/DATETIME/TIMESTAMP strings, JSON text on
 * MariaDB, BLOB/BINARY/BIT Buffers). Returns undefined when a table has nothing to adjust; else a function
 * returning the adjusted copy of a row.
 */
export function rowNormalizer(
  schemas: readonly ColumnSchemaLike[] | undefined,
): ((row: Row) => Row) | undefined {
  if (!schemas) return undefined;
  const bigints: string[] = [];
  const times: string[] = [];
  for (const c of schemas) {
    const type = c.COLUMN_TYPE.toLowerCase();
    if (type.startsWith('bigint')) bigints.push(c.COLUMN_NAME);
    else if (/^time\b(?!stamp)/.test(type)) times.push(c.COLUMN_NAME);
  }
  if (bigints.length === 0 && times.length === 0) return undefined;
  // A copy: the rows belong to the zongji event, which the translation leaves as it got it.
  return (input) => {
    const row = { ...input };
    for (const name of bigints) {
      const v = row[name];
      if (typeof v === 'number') row[name] = String(v);
    }
    for (const name of times) {
      const v = row[name];
      if (typeof v === 'string' && v.startsWith('-')) row[name] = negativeTime(v);
    }
    return row;
  };
}

/**
 * zongji 0.9.0 decodes a negative TIME by reading the hour/minute/second bit fields of |t| − 1 and adding
 * 1 to the seconds, without a carry. When the seconds of |t| are 0 (and the fraction is 0) the borrow went
 * through the 6-bit fields: −12:30:00 arrives as "-12:29:64", −01:00:00 as "-00:63:64". A valid TIME never
 * shows 64 seconds, so such a value is put back: seconds 0, minutes + 1, and 63 + 1 minutes carry into the
 * hour. Every other negative value decodes right (compared with SELECT, fractions included).
 */
export function negativeTime(v: string): string {
  const m = /^-(\d+):(\d\d):64(\.\d+)?$/.exec(v);
  if (!m) return v;
  let hours = Number(m[1]);
  let minutes = Number(m[2]) + 1;
  if (minutes === 64) {
    minutes = 0;
    hours += 1;
  }
  return `-${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:00${m[3] ?? ''}`;
}
