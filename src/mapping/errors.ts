import type { DeadLetterKind } from '../core/interfaces.js';

/**
 * A value that cannot become a document field (or a document id). The pipeline dead-letters the row
 * with kind 'conversion' and goes on; nothing else about the batch fails.
 */
export class ConversionError extends Error {
  readonly deadLetterKind: DeadLetterKind = 'conversion';
  /** Column (or computed field, or "_id") that failed. */
  readonly column: string;
  /** The column's type as declared (COLUMN_TYPE), "computed", or "key". */
  readonly columnType: string;
  /** A short, log-safe rendering of the offending value. */
  readonly value: string;

  constructor(
    column: string,
    columnType: string,
    value: unknown,
    reason: string,
    options?: { cause?: unknown },
  ) {
    const shown = preview(value);
    super(`column "${column}" (${columnType}): cannot convert ${shown}: ${reason}`, options);
    this.name = 'ConversionError';
    this.column = column;
    this.columnType = columnType;
    this.value = shown;
  }
}

export function isConversionError(e: unknown): e is ConversionError {
  return e instanceof ConversionError;
}

function preview(value: unknown): string {
  let s: string;
  if (Buffer.isBuffer(value)) s = `<${value.length} bytes>`;
  else if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'bigint') s = `${value}n`;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
