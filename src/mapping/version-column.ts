import type { ColumnType } from './column-types.js';
import { integerString } from './convert.js';
import { microsFromMatch } from './datetime-micros.js';
import { ConversionError } from './errors.js';

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TEMPORAL = new Set(['datetime', 'timestamp']);

/** Column types a tracking / version column may have. */
export function isVersionableType(type: string): boolean {
  return INTEGER.has(type) || TEMPORAL.has(type);
}

/**
 * The sequence a version column yields for one row: microseconds since the epoch for DATETIME/TIMESTAMP
 * (`converted` is the converter's UTC ISO form, so DATETIME is read in the mapping's datetimeZone), the
 * integer itself for integer columns. Both polling and every other source go through this, so versions
 * from the same row state are equal whichever source produced them (docs/polling.md#versions).
 */
export function versionSequence(col: ColumnType, converted: unknown, raw: unknown): bigint {
  const fail = (reason: string): never => {
    throw new ConversionError(col.name, col.columnType, raw, `versionColumn: ${reason}`);
  };
  if (converted === null || converted === undefined) return fail('is NULL; the version cannot be derived');
  if (TEMPORAL.has(col.type)) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/.exec(String(converted));
    if (!m) return fail('not a date/time in 0000–9999');
    const micros = microsFromMatch(m);
    return micros < 0n ? fail('before 1970') : micros;
  }
  if (INTEGER.has(col.type)) {
    const n = BigInt(integerString(converted));
    return n < 0n ? fail('negative') : n;
  }
  return fail(
    `a ${col.columnType} column cannot be a version column (use DATETIME(6)/TIMESTAMP(6) or an integer)`,
  );
}

/** Largest sequence that still fits: versions are sequence × 2 (+1 for deletes) in a signed long. */
const MAX_SEQUENCE = (1n << 62n) - 1n;

/**
 * Version of an upsert (×2) or of a delete (×2 + 1): a delete outranks the last write of the row it
 * removes (same version column value), and any later write (a larger value) outranks the delete.
 */
export function versionFromSequence(sequence: bigint, isDelete: boolean, column: string): bigint {
  if (sequence > MAX_SEQUENCE)
    throw new ConversionError(column, 'version', sequence, 'versionColumn: value too large for a version');
  return sequence * 2n + (isDelete ? 1n : 0n);
}
