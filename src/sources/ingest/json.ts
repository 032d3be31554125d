/**
 * JSON text → value without losing digits: a number literal with more than 15 significant digits (a
 * BIGINT past 2^53, a long DECIMAL that Maxwell writes as a JSON number) becomes its exact text as a
 * string, which the integer and decimal converters read exactly. JSON.parse alone would round them.
 * Used for ingest bodies (HTTP) and messages (Kafka); shorter numbers take the JSON.parse fast path.
 */
export function parseIngestJson(input: string | Buffer): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (!/\d{16}|\d[\d.]{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let last = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      for (i++; i < len && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) continue;
    const start = i;
    let j = c === 45 ? i + 1 : i;
    let digits = 0;
    let significant = false;
    let exponent = false;
    for (; j < len; j++) {
      const d = text.charCodeAt(j);
      if (d >= 48 && d <= 57) {
        if (d !== 48) significant = true;
        if (significant) digits++;
      } else if (d === 46) {
        // fraction point: keep counting
      } else if (d === 101 || d === 69) {
        exponent = true;
        j++;
        while (j < len && /[0-9+-]/.test(text[j]!)) j++;
        break;
      } else break;
    }
    if (digits > 15 && !exponent) {
      out += `${text.slice(last, start)}"${text.slice(start, j)}"`;
      last = j;
    }
    i = j - 1;
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last));
}

/**
 * An HTTP body or a Kafka value that holds one message, a JSON array of messages, or NDJSON (one message
 * per line). Returns the messages and whether the body was a single one.
 */
export function splitMessages(text: string): { messages: unknown[]; single: boolean } {
  const trimmed = text.trim();
  if (trimmed === '') return { messages: [], single: false };
  if (trimmed.startsWith('[')) {
    const v = parseIngestJson(trimmed);
    return { messages: Array.isArray(v) ? v : [v], single: false };
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 1) return { messages: [parseIngestJson(lines[0]!)], single: true };
  return { messages: lines.map((l) => parseLine(l)), single: false };
}

/** An NDJSON line that is not JSON becomes a marker the decoder rejects with the reason. */
export class UnparsableLine {
  constructor(readonly reason: string) {}
}

function parseLine(line: string): unknown {
  try {
    return parseIngestJson(line);
  } catch (e) {
    return new UnparsableLine(`not valid JSON (${(e as Error).message})`);
  }
}
