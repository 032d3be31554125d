import { createHash } from 'node:crypto';
import { stringifyDoc } from '../../sinks/search/request-builder.js';

/**
 * Stable serialisation of a document: the JSON the sink sends, parsed back (so a DB-side document and
 * the `_source` read from the engine go through the same number/bigint/toJSON handling), then written
 * with object keys sorted at every level. Arrays keep their order (it is part of the value).
 */
export function canonicalJson(doc: unknown): string {
  return canonical(JSON.parse(stringifyDoc(doc)));
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Fingerprint of one document (sha1 of its canonical JSON, base64). */
export function docFingerprint(doc: unknown): string {
  return createHash('sha1').update(canonicalJson(doc)).digest('base64');
}

/** Checksum of a key range: the (id, fingerprint) pairs in id order. Equal sets give equal checksums. */
export function rangeChecksum(entries: Iterable<readonly [string, string]>): string {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash('sha1');
  for (const [id, fp] of sorted) h.update(id).update('\0').update(fp).update('\n');
  return h.digest('base64');
}
