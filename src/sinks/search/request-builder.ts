import { MAX_VERSION } from '../../core/change-event.js';
import type { IndexOp } from '../../core/interfaces.js';

/**
 * Turns IndexOps into `_bulk` NDJSON. Each op is serialised exactly once, when the sink accepts it, into
 * UTF-8 bytes: those bytes are what gets sent (and re-sent on retry) and their length is what batching and
 * backpressure count, so memory accounting matches what is really held. Bytes rather than a string:
 * pending ops then sit outside the JS heap (a CJK document is half the size as UTF-8 than as a
 * two-byte string, and the garbage collector never copies it), and a request body is one memcpy instead
 * of flattening and re-encoding a thousand-string rope per request (docs/performance.md).
 */

export type BulkAction = 'index' | 'delete';

export interface EncodedOp {
  readonly action: BulkAction;
  /** Action line plus, for index, the source line; each terminated by "\n"; UTF-8. */
  readonly data: Buffer;
  /** The same lines as text (decoded on demand: logs and tests). */
  readonly lines: string;
  /** data.length — UTF-8 bytes on the wire. */
  readonly bytes: number;
}

class Encoded implements EncodedOp {
  constructor(
    readonly action: BulkAction,
    readonly data: Buffer,
  ) {}
  get lines(): string {
    return this.data.toString('utf8');
  }
  get bytes(): number {
    return this.data.length;
  }
}

/** A truncate is not a bulk line; it is accounted with a small fixed size. */
export const TRUNCATE_BYTES = 128;

export class OpEncodingError extends Error {
  override readonly name = 'OpEncodingError';
}

/** One op as its `_bulk` lines. Throws OpEncodingError for ops the engine would reject as a whole request. */
export function encodeOp(op: IndexOp): EncodedOp {
  if (op.action === 'truncate') throw new OpEncodingError('truncate is not a bulk operation');
  if (typeof op.id !== 'string' || op.id.length === 0) throw new OpEncodingError('document id is empty');
  if (Buffer.byteLength(op.id) > 512) throw new OpEncodingError('document id is longer than 512 bytes');
  if (typeof op.version !== 'bigint' || op.version < 0n || op.version > MAX_VERSION) {
    throw new OpEncodingError(`version ${String(op.version)} is outside 0..2^63-1`);
  }
  // The version is written from the bigint's decimal digits: a Number would round above 2^53.
  let meta = `{"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)},"version":${op.version.toString()},"version_type":"external"`;
  if (op.routing !== undefined) meta += `,"routing":${JSON.stringify(op.routing)}`;
  meta += '}';
  const lines =
    op.action === 'index' ? `{"index":${meta}}\n${stringifyDoc(op.doc)}\n` : `{"delete":${meta}}\n`;
  return new Encoded(op.action, Buffer.from(lines, 'utf8'));
}

/** The request body for a batch as text: the pre-serialised lines, concatenated. */
export function bulkBody(ops: readonly EncodedOp[]): string {
  let body = '';
  for (const op of ops) body += op.lines;
  return body;
}

/** The request body for a batch as sent: the ops' bytes, concatenated (one copy). */
export function bulkBodyBytes(ops: readonly EncodedOp[]): Buffer {
  let total = 0;
  for (const op of ops) total += op.data.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const op of ops) at += op.data.copy(out, at);
  return out;
}

/**
 * JSON for a document. The native JSON.stringify is the fast path; only a document holding a bigint
 * (BIGINT columns kept exact by a mapping) takes the slower walk that writes bigints as exact numbers.
 */
export function stringifyDoc(doc: unknown): string {
  try {
    const s = JSON.stringify(doc);
    if (typeof s !== 'string') throw new OpEncodingError('document is not a JSON object');
    return s;
  } catch (e) {
    if (e instanceof TypeError && /BigInt/i.test(e.message)) return exactStringify(doc, new Set()) ?? 'null';
    if (e instanceof OpEncodingError) throw e;
    throw new OpEncodingError(`document cannot be serialised: ${(e as Error).message}`);
  }
}

/** JSON.stringify semantics (toJSON, undefined/function skipping, cycle error) plus exact bigints. */
function exactStringify(value: unknown, seen: Set<object>): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(): unknown }).toJSON();
    if (typeof value === 'bigint') return value.toString();
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (seen.has(value)) throw new OpEncodingError('document cannot be serialised: circular structure');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((v) => exactStringify(v, seen) ?? 'null').join(',')}]`;
  } else {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const s = exactStringify(v, seen);
      if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return out;
}
