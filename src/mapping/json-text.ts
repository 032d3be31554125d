/**
 * Which number literals keep their exact text (as a string) because JSON.parse would round them:
 * - `big-integers`: integer literals outside ±(2^53−1), the convention the binlog reader (zongji) and
 *   our integer columns use; a fraction or an exponent is a double in JSON's own terms (JSON columns).
 * - `long-numbers`: every literal with more than 15 significant digits and no exponent, fractions too
 *   (ingest bodies and Kafka messages: Maxwell writes a long DECIMAL as a JSON number), which the
 *   integer and decimal converters read exactly.
 */
export type ExactNumbers = 'big-integers' | 'long-numbers';

/**
 * JSON text → value without losing digits: JSON.parse alone would round 12345678901234567890 to
 * 12345678901234567000. Texts without a run of 16 digits take the JSON.parse fast path.
 */
export function parseJsonText(text: string, exact: ExactNumbers = 'big-integers'): unknown {
  if (!/\d[\d.]{15}/.test(text)) return JSON.parse(text);
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
    if (c !== 45 && !isDigit(c)) continue;
    const start = i;
    let j = c === 45 ? i + 1 : i;
    let significant = 0;
    let fraction = false;
    for (; j < len; j++) {
      const d = text.charCodeAt(j);
      if (isDigit(d)) {
        if (significant > 0 || d !== 48) significant++;
      } else if (d === 46) fraction = true;
      else break;
    }
    const exponent = j < len && (text.charCodeAt(j) === 101 || text.charCodeAt(j) === 69);
    if (exponent) for (j++; j < len && /[0-9+-]/.test(text[j]!); j++);
    const keep =
      significant > 15 &&
      !exponent &&
      (exact === 'long-numbers' || (!fraction && !Number.isSafeInteger(Number(text.slice(start, j)))));
    if (keep) {
      out += `${text.slice(last, start)}"${text.slice(start, j)}"`;
      last = j;
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
