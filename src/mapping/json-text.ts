/**
 * JSON text → value without losing 64-bit integers: an integer literal outside ±(2^53−1) becomes its
 * exact decimal string, the convention the binlog reader (zongji) and our integer columns use.
 * JSON.parse alone would round 12345678901234567890 to 12345678901234567000.
 */
export function parseJsonText(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let last = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip a string literal, escapes included
      for (i++; i < len && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) continue;
    const start = i;
    let j = c === 45 ? i + 1 : i;
    while (j < len && isDigit(text.charCodeAt(j))) j++;
    const intEnd = j;
    const next = text.charCodeAt(j);
    if (next === 46 || next === 101 || next === 69) {
      // a fraction or exponent: a double in JSON's own terms, left to JSON.parse
      while (j < len && /[0-9.eE+-]/.test(text[j]!)) j++;
    } else if (intEnd - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, intEnd)))) {
      out += `${text.slice(last, start)}"${text.slice(start, intEnd)}"`;
      last = intEnd;
    }
    i = j - 1;
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last));
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Makes an already-decoded value JSON-safe the same way: bigint → number or exact string, Buffers →
 * base64, Dates → ISO strings, non-finite numbers → null. Used for JSON columns that a reader parsed
 * itself and for values of columns the mapping has no descriptor for.
 */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return integerOut(value.toString());
    case 'object': {
      const bytes = asBytes(value);
      if (bytes) return bytes.toString('base64');
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (Array.isArray(value)) return value.map(jsonSafe);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonSafe(v);
      return out;
    }
    default:
      return null;
  }
}

/** A canonical integer string as a number when exact (|n| ≤ 2^53−1), else the string itself. */
export function integerOut(canonical: string): number | string {
  const n = Number(canonical);
  return Number.isSafeInteger(n) ? n : canonical;
}

/** Bytes from a Buffer, a Uint8Array, an ArrayBuffer, or a JSON-serialised Buffer ({type:'Buffer',data}). */
export function asBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return undefined;
}
