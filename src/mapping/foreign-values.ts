import type { ChangeEvent, Connector, Row } from '../core/change-event.js';
import type { ColumnType } from './column-types.js';
import { civilFromDays, formatUtc, formatYear } from './time-zone.js';

/**
 * Values as Canal, Maxwell and Debezium encode them → the representations the converters read
 * (convert.ts: what mysql2 and the binlog reader produce). The decoders do what the message itself
 * says (Canal's mysqlType, Debezium's schema); what is left is resolved here from the target table's
 * column descriptors. A value already in reader form (a Buffer, a date string) is left as it is.
 * What each format loses is listed in docs/ingest.md#values.
 */

const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const DECIMAL_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const EPOCH_ZERO_UTC = '1970-01-01T00:00:00.000000Z';
const EPOCH_ZERO_WALL = '1970-01-01 00:00:00.000000';

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** Epoch time in `unit`s per second → zone-less wall clock "YYYY-MM-DD HH:MM:SS.ffffff" (read as UTC fields). */
export function epochToWall(value: number | bigint | string, unitsPerSecond: bigint): string {
  const n = BigInt(value);
  let seconds = n / unitsPerSecond;
  let rest = n % unitsPerSecond;
  if (rest < 0n) {
    rest += unitsPerSecond;
    seconds -= 1n;
  }
  const micros = (rest * 1_000_000n) / unitsPerSecond;
  return formatUtc(Number(seconds), pad(micros, 6)).replace('T', ' ').replace(/Z$/, '');
}

/** Days since 1970-01-01 → "YYYY-MM-DD". */
export function daysToDate(days: number | bigint | string): string {
  const [y, m, d] = civilFromDays(Number(days));
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** A duration in `unit`s per second → TIME text "[-]HH:MM:SS.ffffff" (hours may exceed 24). */
export function durationToTime(value: number | bigint | string, unitsPerSecond: bigint): string {
  let n = BigInt(value);
  const negative = n < 0n;
  if (negative) n = -n;
  const micros = (n * 1_000_000n) / unitsPerSecond;
  const totalSeconds = micros / 1_000_000n;
  const h = totalSeconds / 3600n;
  const mi = (totalSeconds % 3600n) / 60n;
  const s = totalSeconds % 60n;
  return `${negative ? '-' : ''}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(micros % 1_000_000n, 6)}`;
}

/** An ISO-8601 instant with any offset → "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds kept). */
export function isoToUtc(text: string): string {
  const m =
    /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/.exec(
      text.trim(),
    );
  if (!m) return text;
  const micros = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  if (m[8] === 'Z' && m[6] !== undefined) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${micros}Z`;
  const sign = m[8] === 'Z' ? 0 : m[8]!.startsWith('-') ? -1 : 1;
  const off = m[8] === 'Z' ? [0, 0] : m[8]!.slice(1).replace(':', '').match(/\d{2}/g)!.map(Number);
  const wall = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
  const utcSeconds = Math.floor(wall / 1000) - sign * (off[0]! * 3600 + off[1]! * 60);
  return formatUtc(utcSeconds, micros);
}

/** Kafka Connect Decimal: base64 of the big-endian two's-complement unscaled value → exact decimal text. */
export function decimalFromBytes(bytes: Buffer, scale: number): string {
  if (bytes.length === 0) return '0';
  let n = BigInt(`0x${bytes.toString('hex')}`);
  if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return `${negative ? '-' : ''}${digits}`;
}

/** Debezium's io.debezium.data.Bits is little-endian; BIT values are read big-endian. */
export function bitsFromLittleEndian(bytes: Buffer): Buffer {
  return Buffer.from(bytes).reverse();
}

export function base64Bytes(text: string): Buffer | undefined {
  const t = text.trim();
  if (t.length % 4 !== 0 || !BASE64.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/** One value of a column whose descriptor is known, as `connector` encodes it. */
export function adaptForeignValue(connector: Connector, col: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined || Buffer.isBuffer(v)) return v;
  const t = col.type;
  switch (connector) {
    case 'canal':
      // one character per byte (ISO-8859-1) when the message had no mysqlType to say so
      if (BINARY.has(t) && typeof v === 'string') return Buffer.from(v, 'latin1');
      return v;
    case 'maxwell':
      if (BINARY.has(t) && typeof v === 'string') return base64Bytes(v) ?? v;
      // BIT is a number (BIT(64) past 2^53 as its exact digits, which are no base64), BIT(1) maybe a boolean
      if (t === 'bit') return typeof v === 'boolean' ? Number(v) : v;
      // MySQL's native JSON arrives parsed: a string is a JSON string value, sent on as JSON text. MariaDB's
      // JSON is LONGTEXT underneath: Maxwell sends the column's text, which is already JSON text.
      if (t === 'json' && typeof v === 'string') return col.columnType === 'json' ? JSON.stringify(v) : v;
      return v;
    case 'debezium':
      return debeziumByDescriptor(col, v);
    default:
      return v;
  }
}

/** Debezium without the schema part: the default encodings (time.precision.mode=adaptive_time_microseconds). */
function debeziumByDescriptor(col: ColumnType, v: unknown): unknown {
  const t = col.type;
  // epoch numbers past 2^53 reach here as digit strings (parseIngestJson keeps their digits)
  const integral =
    typeof v === 'number'
      ? Number.isInteger(v)
      : typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v));
  const n = v as number | bigint | string;
  switch (t) {
    case 'bigint':
      if (!col.unsigned) return v;
      // bigint.unsigned.handling.mode=long (the default) sends values past 2^63−1 as their two's
      // complement (the max is -1); the column is unsigned, so the value is that plus 2^64
      if (integral && BigInt(n) < 0n) return (BigInt(n) + (1n << 64n)).toString();
      // =precise without the schema part: a Kafka Connect Decimal (base64 of the unscaled bytes, scale 0)
      if (typeof v === 'string' && !integral) {
        const b = base64Bytes(v);
        return b ? decimalFromBytes(b, 0) : v;
      }
      return v;
    case 'datetime':
      return integral ? epochToWall(n, (col.fsp ?? 0) <= 3 ? 1000n : 1_000_000n) : v;
    case 'timestamp': {
      const utc = typeof v === 'string' && !integral ? isoToUtc(v) : integral ? epochToWall(n, 1000n) : v;
      // The binlog stores a zero TIMESTAMP as epoch 0, which Debezium streams as 1970-01-01T00:00:00Z
      // (its snapshot sends null). No real TIMESTAMP is epoch 0 (the type starts at 00:00:01 UTC).
      return utc === EPOCH_ZERO_UTC || utc === EPOCH_ZERO_WALL ? null : utc;
    }
    case 'date':
      return integral ? daysToDate(n) : v;
    case 'time':
      return integral ? durationToTime(n, 1_000_000n) : v;
    case 'decimal':
    case 'numeric':
      if (typeof v === 'string' && !DECIMAL_TEXT.test(v)) {
        const b = base64Bytes(v);
        return b ? decimalFromBytes(b, col.scale ?? 0) : v;
      }
      return v;
    case 'bit':
      if (typeof v === 'boolean') return Buffer.from([v ? 1 : 0]);
      if (typeof v === 'string') {
        const b = base64Bytes(v);
        return b ? bitsFromLittleEndian(b) : v;
      }
      return v;
    default:
      if (BINARY.has(t) && typeof v === 'string') return base64Bytes(v) ?? v;
      return v;
  }
}

const FOREIGN: ReadonlySet<Connector> = new Set(['canal', 'maxwell', 'debezium']);

export function isForeignConnector(connector: Connector): boolean {
  return FOREIGN.has(connector);
}

/** The event with its rows' values adapted for the table's descriptors (`byName`: lower-cased column name). */
export function adaptForeignEvent(ev: ChangeEvent, byName: ReadonlyMap<string, ColumnType>): ChangeEvent {
  const connector = ev.source.connector;
  const row = (r: Row | null): Row | null => {
    if (!r) return r;
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      const col = byName.get(k.toLowerCase());
      out[k] = col ? adaptForeignValue(connector, col, v) : v;
    }
    return out;
  };
  return { ...ev, before: row(ev.before), after: row(ev.after), key: row(ev.key) ?? {} };
}
