import { SynclineError } from '../../core/errors.js';

/**
 * The opaque `cursor` of deep paging: base64url of {s: sort name, a: search_after values}. The sort is
 * inside so a cursor cannot be replayed under another order; the values are checked for shape here and
 * for type by the engine (a mismatch comes back as a 400 SYNC_S3005).
 */
export function encodeCursor(sort: string, after: readonly unknown[]): string {
  return Buffer.from(JSON.stringify({ s: sort, a: after })).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string): Array<string | number | null> {
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
  if (c.s !== sort) throw bad(`cursor was made for sort=${c.s}, not sort=${sort}`);
  if (c.a.length === 0 || c.a.length > 3) throw bad('cursor is not one this API returned');
  for (const v of c.a) {
    const ok = v === null || typeof v === 'number' || (typeof v === 'string' && v.length <= 64);
    if (!ok) throw bad('cursor is not one this API returned');
  }
  return c.a as Array<string | number | null>;
}

function bad(message: string): SynclineError {
  return new SynclineError('API_BAD_QUERY', `querystring.cursor: ${message}`, {
    details: { field: 'querystring.cursor' },
  });
}
