import { ConversionError } from './errors.js';

/** Elasticsearch and OpenSearch reject a document _id longer than 512 bytes. */
export const MAX_ID_BYTES = 512;

/**
 * The string form of one converted key value: strings as they are, integers in decimal (exact digits
 * for BIGINT beyond 2^53, which conversion already made a string), DECIMAL as its exact string, dates
 * as their ISO form, bytes as base64, booleans as "true"/"false", anything else as compact JSON.
 */
export function idPart(value: unknown, column = '_id'): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) break;
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) break;
      if (Buffer.isBuffer(value)) return value.toString('base64');
      return JSON.stringify(value);
  }
  throw new ConversionError(column, 'key', value, 'a key column value must not be null');
}

/** Escapes '\' and '|' with '\', so composite ids are unambiguous: ["a|b","c"] ≠ ["a","b|c"]. */
export function escapeIdPart(part: string): string {
  return part.replace(/[\\|]/g, (c) => `\\${c}`);
}

/**
 * Document `_id` of a row from its key values (converted, in key-column order). One key column: its
 * string form, unescaped ("42", "sku-1"). Several: the escaped parts joined by '|' ("42|en",
 * "a\|b|c"). Stable across versions: it is the join key between the database and the index.
 */
export function documentId(values: readonly unknown[], columns?: readonly string[]): string {
  if (values.length === 0) throw new ConversionError('_id', 'key', values, 'no key columns');
  const id =
    values.length === 1
      ? idPart(values[0], columns?.[0])
      : values.map((v, i) => escapeIdPart(idPart(v, columns?.[i]))).join('|');
  if (id.length === 0) throw new ConversionError('_id', 'key', values, 'the document id would be empty');
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) {
    throw new ConversionError('_id', 'key', id, `the document id is longer than ${MAX_ID_BYTES} bytes`);
  }
  return id;
}

/** Inverse of documentId for composite ids (reconcile and admin tools). */
export function splitDocumentId(id: string, parts: number): string[] {
  if (parts <= 1) return [id];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < id.length; i++) {
    const c = id[i]!;
    if (c === '\\' && i + 1 < id.length) cur += id[++i];
    else if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
