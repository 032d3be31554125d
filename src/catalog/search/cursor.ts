import { SynclineError } from '../../core/errors.js';

/**
 * What one search_after value of a sort must be. The engine is never handed a value of another type:
 * it answers those with internal errors (a null price is a Java NullPointerException and a 500).
 * - `number`: a finite number (`_score`, a price)
 * - `epoch`: a safe integer (a date sorts by epoch milliseconds)
 * - `id`: a catalog id: a non-negative safe integer, or its digits as a string (an unsigned_long
 *   or keyword id field sorts by the string form)
 * - `keyword`: a non-empty string (a log record's UUID)
 */
export type CursorKey = 'number' | 'epoch' | 'id' | 'keyword';

/**
 * The opaque `cursor` of deep paging: base64url of {s: sort name, a: search_after values}. The sort is
 * inside so a cursor cannot be replayed under another order; the values are checked against the
 * sort's keys, so whatever a client crafts is a 400 SYNC_S3005 here, not an engine failure.
 */
export function encodeCursor(sort: string, after: readonly unknown[]): string {
  return Buffer.from(JSON.stringify({ s: sort, a: after })).toString('base64url');
}

export function decodeCursor(
  cursor: string,
  sort: string,
  keys: readonly CursorKey[],
): Array<string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('cursor is not one this API returned');
  }
  const c = parsed as { s?: unknown; a?: unknown };
  if (typeof c !== 'object' || c === null || !Array.isArray(c.a) || typeof c.s !== 'string') {
    throw bad('cursor is not one this API returned');
  }
  if (c.s !== sort) throw bad(`cursor was made for sort=${c.s.slice(0, 32)}, not sort=${sort}`);
  if (c.a.length !== keys.length) {
    throw bad(`cursor is not one this API returned (sort=${sort} takes ${keys.length} values)`);
  }
  c.a.forEach((v, i) => {
    if (!fits(v, keys[i]!))
      throw bad(`cursor is not one this API returned (value ${i + 1} is not ${WHAT[keys[i]!]})`);
  });
  return c.a as Array<string | number>;
}

const WHAT: Record<CursorKey, string> = {
  number: 'a number',
  epoch: 'a timestamp',
  id: 'an id',
  keyword: 'an id',
};

function fits(v: unknown, key: CursorKey): boolean {
  switch (key) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'epoch':
      return Number.isSafeInteger(v);
    case 'id':
      return (
        (Number.isSafeInteger(v) && (v as number) >= 0) || (typeof v === 'string' && /^\d{1,20}$/.test(v))
      );
    case 'keyword':
      return typeof v === 'string' && v.length > 0 && v.length <= 64;
  }
}

function bad(message: string): SynclineError {
  return new SynclineError('API_BAD_QUERY', `querystring.cursor: ${message}`, {
    details: { field: 'querystring.cursor' },
  });
}
