/**
 * Document versions from the positions foreign formats carry (docs/ingest.md#versions). Every layout
 * fits a signed 64-bit long (the engines' external version) and grows with the source position.
 */

const SUB_BITS = 11n;
const MAX_SUB = (1n << SUB_BITS) - 1n;
const POS_BITS = 32n;
const FILE_BITS = 20n;

/** Largest binlog file index a version can hold (MySQL/MariaDB number files with six digits). */
export const MAX_FILE_INDEX = (1n << FILE_BITS) - 1n;
export const MAX_BINLOG_POS = (1n << POS_BITS) - 1n;
/** Row order inside one position saturates here (rows of one rows event are distinct rows). */
export const MAX_ROW_ORDER = Number(MAX_SUB);

/** "mysql-bin.000003" → 3n; undefined when the name has no numeric extension. */
export function binlogFileIndex(file: string): bigint | undefined {
  const m = /\.(\d{1,9})$/.exec(file);
  return m ? BigInt(m[1]!) : undefined;
}

/**
 * Binlog file index (20 bits) | position in the file (32 bits) | order of the row at that position (11 bits).
 * Binlog positions are 32-bit in event headers, and files are numbered with six digits, so both fit.
 */
export function binlogVersion(fileIndex: bigint, pos: bigint, order: number): bigint {
  const sub = BigInt(Math.max(0, Math.min(order, MAX_ROW_ORDER)));
  return (fileIndex << (POS_BITS + SUB_BITS)) | (pos << SUB_BITS) | sub;
}
