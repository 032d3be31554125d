import type { ColumnType } from './column-types.js';
import { ConversionError } from './errors.js';
import { float32Number } from './exact-numbers.js';
import { asBytes, integerOut, jsonSafe, parseJsonText } from './json-text.js';
import {
  daysFromCivil,
  daysInMonth,
  formatUtc,
  formatYear,
  parseZone,
  type ZoneOffset,
} from './time-zone.js';

/**
 * Column value → JSON document value. Both row readers must yield the same document for the same row:
 *   snapshot/polling: mysql2 with { dateStrings: true, supportBigNumbers: true, bigNumberStrings: true,
 *                     jsonStrings: true } on a session with time_zone '+00:00', rows read through
 *                     exact-numbers.ts (FLOAT and DOUBLE exact);
 *   streaming:        @vlasky/zongji 0.9.0 with { dateStrings: true, timezone: 'Z', jsonStrings: true }.
 * Each converter accepts every representation those readers produce (and the obvious JS ones other
 * sources produce), and returns one canonical form. The table is in docs/mapping.md.
 */
export interface ConvertOptions {
  readonly decimal: 'string' | 'number';
  readonly tinyint1: 'number' | 'boolean';
  /** Zone of zone-less DATETIME values ("UTC", "+08:00", "Asia/Shanghai"). */
  readonly datetimeZone: string;
}

export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = {
  decimal: 'string',
  tinyint1: 'number',
  datetimeZone: 'UTC',
};

export type Converter = (value: unknown) => unknown;

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

/** Converts one value of `col` (uncached; the mapping compiles converters once per column). */
export function convertValue(
  col: ColumnType,
  value: unknown,
  opts: ConvertOptions = DEFAULT_CONVERT_OPTIONS,
) {
  return compileConverter(col, opts)(value);
}

/** A converter for one column. null and undefined always become null (a NULL column stays in the document). */
export function compileConverter(col: ColumnType, opts: ConvertOptions = DEFAULT_CONVERT_OPTIONS): Converter {
  const inner = pick(col, opts);
  const fail = (v: unknown, reason: string, cause?: unknown): never => {
    throw new ConversionError(
      col.name,
      col.columnType,
      v,
      reason,
      cause === undefined ? undefined : { cause },
    );
  };
  return (v) => {
    if (v === null || v === undefined) return null;
    try {
      return inner(v);
    } catch (e) {
      if (e instanceof ConversionError) throw e;
      return fail(v, e instanceof Error ? e.message : String(e), e);
    }
  };
}

function pick(col: ColumnType, opts: ConvertOptions): Converter {
  const t = col.type;
  if (INTEGER.has(t)) {
    if (col.isTinyint1 && opts.tinyint1 === 'boolean') return (v) => integerString(v) !== '0';
    return integerValue;
  }
  switch (t) {
    case 'decimal':
    case 'numeric': {
      const scale = col.scale ?? 0;
      return opts.decimal === 'number'
        ? (v) => Number(decimalString(v, scale))
        : (v) => (typeof v === 'string' && isCanonicalDecimal(v, scale) ? v : decimalString(v, scale));
    }
    case 'float':
      return col.scale !== null ? fixed(col.scale) : (v) => float32Number(finite(v));
    case 'double':
    case 'real':
      return col.scale !== null ? fixed(col.scale) : (v) => finite(v) + 0; // + 0: -0 → 0
    case 'bit':
      return (v) => bitBytes(v, col.precision ?? 64).toString('base64');
    case 'date':
      return date;
    case 'datetime': {
      if (UTC_NAME.test(opts.datetimeZone.trim())) return utcInstant;
      const zone = parseZone(opts.datetimeZone);
      return (v) => instant(v, zone);
    }
    case 'timestamp':
      return utcInstant;
    case 'time':
      return time;
    case 'year':
      return year;
    case 'enum':
      return (v) => enumValue(v, col.enumValues ?? []);
    case 'set':
      return (v) => setValue(v, col.setValues ?? []);
    case 'json':
      return json;
    case 'uuid':
      return (v) => (typeof v === 'string' ? v.toLowerCase() : uuid(bytesOf(v)));
    case 'inet4':
      return (v) => (typeof v === 'string' ? v : [...bytesOf(v)].join('.'));
    case 'inet6':
      return (v) => (typeof v === 'string' ? v : inet6(bytesOf(v)));
    case 'vector':
      return vector;
  }
  if (TEXT.has(t)) return (v) => text(v, col.charset);
  if (BINARY.has(t)) {
    const width = t === 'binary' ? (col.length ?? 0) : 0;
    return (v) => binary(v, width);
  }
  if (GEOMETRY.has(t)) return jsonSafe; // mysql2 and zongji both decode WKB to {x, y} objects
  return bestEffort;
}

/** Columns without a descriptor (added since the last refresh): no failure, a JSON-safe value. */
export function bestEffort(v: unknown): unknown {
  if (typeof v === 'string') return v;
  return jsonSafe(v);
}

// ---- numbers -------------------------------------------------------------------------------------

/**
 * An integer column's value: a number when exact, else the canonical digits. The readers' usual forms —
 * a safe integer number, up to 15 digits as text — skip the canonical string (a BigInt and a regex per
 * value: four of the demo table's columns are integers).
 */
function integerValue(v: unknown): number | string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v + 0; // + 0: -0 → 0
  if (typeof v === 'string' && SHORT_INTEGER.test(v)) return Number(v) + 0;
  return integerOut(integerString(v));
}

const SHORT_INTEGER = /^-?\d{1,15}$/;

/**
 * True when `s` is already what decimalString gives for `scale`: no sign but a minus of a non-zero value,
 * no leading zero (but a lone 0), exactly `scale` fraction digits — the server's own text of DECIMAL(p,s).
 */
function isCanonicalDecimal(s: string, scale: number): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const intLen = i - intStart;
  if (intLen === 0 || (intLen > 1 && s.charCodeAt(intStart) === 48)) return false;
  if (scale === 0) {
    if (i !== n) return false;
  } else {
    if (i !== n - scale - 1 || s.charCodeAt(i) !== 46) return false;
    for (let j = i + 1; j < n; j++) if (s.charCodeAt(j) < 48 || s.charCodeAt(j) > 57) return false;
  }
  if (intStart === 1) {
    // a minus is kept only on a non-zero value
    for (let j = 1; j < n; j++) if (s.charCodeAt(j) > 48 && s.charCodeAt(j) <= 57) return true;
    return false;
  }
  return true;
}

/** Canonical decimal integer string from number, bigint, boolean, or a string of digits. */
export function integerString(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error('not an integer');
    return v === 0 ? '0' : BigInt(v).toString();
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') {
    const m = /^([+-]?)0*(\d+)$/.exec(v.trim());
    if (!m) throw new Error('not an integer');
    return m[2] === '0' ? '0' : `${m[1] === '-' ? '-' : ''}${m[2]}`;
  }
  throw new Error(`unexpected ${typeName(v)}`);
}

/** Exact decimal string with at least `scale` fraction digits (what the server prints for DECIMAL(p,s)). */
export function decimalString(v: unknown, scale: number): string {
  let s: string;
  if (typeof v === 'string') s = v.trim();
  else if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('not a finite number');
    s = Math.abs(v) < 1e21 ? v.toFixed(Math.min(scale, 100)) : BigInt(Math.trunc(v)).toString();
  } else throw new Error(`unexpected ${typeName(v)}`);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error('not a decimal number');
  const int = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  const frac = (m[3] ?? '').padEnd(scale, '0');
  const zero = /^0*$/.test(int + frac);
  return `${m[1] === '-' && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

function finite(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n))
    throw new Error(
      typeof v === 'number' || typeof v === 'string' ? 'not a finite number' : `unexpected ${typeName(v)}`,
    );
  return n;
}

/** FLOAT(M,D)/DOUBLE(M,D): the stored value rounded to D decimals, as the server prints it (-0 → 0). */
function fixed(scale: number): Converter {
  return (v) => Number(finite(v).toFixed(scale)) + 0;
}

// ---- bytes ---------------------------------------------------------------------------------------

function bytesOf(v: unknown): Buffer {
  const b = asBytes(v);
  if (!b) throw new Error(`expected bytes, got ${typeName(v)}`);
  return b;
}

/** BIT(n): big-endian bytes, left-padded to ceil(n/8). Numbers/bigints/digit strings are encoded. */
function bitBytes(v: unknown, bits: number): Buffer {
  const width = Math.max(1, Math.ceil(bits / 8));
  const b = asBytes(v);
  if (b) {
    if (b.length >= width) return b;
    return Buffer.concat([Buffer.alloc(width - b.length), b]);
  }
  let n = BigInt(integerString(v));
  if (n < 0n || n >= 1n << BigInt(bits)) throw new Error(`out of range for BIT(${bits})`);
  const out = Buffer.alloc(width);
  for (let i = width - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** BINARY(n) is zero-padded to n bytes (both readers already do); a string is the UTF-8 text written. */
function binary(v: unknown, width: number): string {
  let b = asBytes(v) ?? (typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined);
  if (!b) throw new Error(`expected bytes, got ${typeName(v)}`);
  if (b.length < width) b = Buffer.concat([b, Buffer.alloc(width - b.length)]);
  return b.toString('base64');
}

const WHATWG: Record<string, string> = {
  utf8: 'utf-8',
  utf8mb3: 'utf-8',
  utf8mb4: 'utf-8',
  ascii: 'utf-8',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
  gb2312: 'gbk',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  euckr: 'euc-kr',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  latin2: 'iso-8859-2',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
};

/** Text as given; bytes (a reader that could not decode the column's charset) are decoded here. */
function text(v: unknown, charset: string | null): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  const b = bytesOf(v);
  if (charset === 'latin1') return cp1252(b);
  const label = WHATWG[charset ?? 'utf8mb4'] ?? charset ?? 'utf-8';
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label);
  } catch {
    throw new Error(`no decoder for character set ${charset}`);
  }
  return decoder.decode(b);
}

/** MySQL's latin1 is cp1252 (0x80–0x9F are printable); Node's TextDecoder treats it as ISO-8859-1. */
const CP1252_80 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function cp1252(b: Buffer): string {
  let out = '';
  for (const byte of b)
    out += byte >= 0x80 && byte < 0xa0 ? CP1252_80[byte - 0x80] : String.fromCharCode(byte);
  return out;
}

function uuid(b: Buffer): string {
  if (b.length !== 16) throw new Error(`a UUID has 16 bytes, got ${b.length}`);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 5952 text form, as the server prints INET6 (IPv4-mapped addresses in dotted form). */
function inet6(b: Buffer): string {
  if (b.length !== 16) throw new Error(`an INET6 has 16 bytes, got ${b.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0)) {
    const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    if (groups[5] === 0xffff) return `::ffff:${v4}`;
    if (groups[5] === 0 && b.readUInt32BE(12) > 1) return `::${v4}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** MariaDB VECTOR: little-endian float32s → array of numbers. */
function vector(v: unknown): number[] {
  if (Array.isArray(v)) return v.map((x) => finite(x));
  const b = bytesOf(v);
  if (b.length % 4 !== 0) throw new Error('a VECTOR has a multiple of 4 bytes');
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 4) out.push(b.readFloatLE(i));
  return out;
}

// ---- enum, set, json -----------------------------------------------------------------------------

function enumValue(v: unknown, values: readonly string[]): string {
  if (typeof v === 'string') return v;
  const i = Number(integerString(v));
  if (i === 0) return ''; // the server's "invalid value" member
  const s = values[i - 1];
  if (s === undefined) throw new Error(`enum index ${i} out of range`);
  return s;
}

/** SET → array of member names, in the order given ('' is the empty set). */
function setValue(v: unknown, values: readonly string[]): string[] {
  if (typeof v === 'string') return v === '' ? [] : v.split(',');
  if (Array.isArray(v)) return v.map(String);
  let mask = BigInt(integerString(v));
  const out: string[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) {
    if ((mask & 1n) === 0n) continue;
    const s = values[i];
    if (s === undefined) throw new Error(`set bit ${i} has no member`);
    out.push(s);
  }
  return out;
}

/** JSON text (MariaDB's JSON is LONGTEXT; jsonStrings readers) is parsed; decoded values made JSON-safe. */
function json(v: unknown): unknown {
  const b = asBytes(v);
  if (typeof v === 'string' || b) {
    const s = typeof v === 'string' ? v : b!.toString('utf8');
    try {
      return parseJsonText(s);
    } catch (e) {
      throw new Error(`invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return jsonSafe(v);
}

// ---- temporal ------------------------------------------------------------------------------------

const UTC: ZoneOffset = () => 0;
const DATETIME = /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{0,9}))?)?)?(Z)?$/;

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** exactly six fraction digits */
  micros: string;
  /** Already an instant (a Date, or an ISO string ending in Z): no zone shift. */
  utc: boolean;
}

/** null for zero dates: month or day 0 ('0000-00-00', '2024-00-10'), which name no calendar day. */
function parseParts(v: unknown): Parts | null {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new Error('invalid Date');
    return dateParts(v);
  }
  if (typeof v !== 'string') throw new Error(`expected a date string, got ${typeName(v)}`);
  const m = DATETIME.exec(v.trim());
  if (!m) throw new Error('not a date/time string');
  const p: Parts = {
    y: Number(m[1]),
    mo: Number(m[2]),
    d: Number(m[3]),
    h: Number(m[4] ?? 0),
    mi: Number(m[5] ?? 0),
    s: Number(m[6] ?? 0),
    micros: (m[7] ?? '').slice(0, 6).padEnd(6, '0'),
    utc: m[8] === 'Z',
  };
  if (p.mo === 0 || p.d === 0) return null;
  if (p.mo > 12 || p.d > daysInMonth(p.y, p.mo)) throw new Error('no such calendar day');
  if (p.h > 23 || p.mi > 59 || p.s > 59) throw new Error('no such time of day');
  return p;
}

/** A Date is an instant; its UTC fields are used (readers should use dateStrings, see the docs). */
function dateParts(v: Date): Parts {
  const ms = v.getTime();
  const sec = Math.floor(ms / 1000);
  const d = new Date(sec * 1000);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    micros: String((ms - sec * 1000) * 1000).padStart(6, '0'),
    utc: true,
  };
}

function date(v: unknown): string | null {
  const p = parseParts(v);
  if (!p) return null;
  return `${formatYear(p.y)}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** DATETIME (wall clock in `zone`) and TIMESTAMP (wall clock in UTC) → UTC ISO-8601 with microseconds. */
function instant(v: unknown, zone: ZoneOffset): string | null {
  const p = parseParts(v);
  if (!p) return null;
  const wall = daysFromCivil(p.y, p.mo, p.d) * 86400 + p.h * 3600 + p.mi * 60 + p.s;
  const offset = p.utc ? 0 : zone(wall);
  return formatUtc(wall - offset, p.micros);
}

/** The names parseZone reads as UTC itself. */
const UTC_NAME = /^(?:UTC|GMT|Z|Etc\/UTC|[+-]00:?00)$/i;

/**
 * A wall-clock time in UTC → the instant's text. The text both readers give (`YYYY-MM-DD hh:mm:ss`, up to
 * six fraction digits) of a real calendar time is rearranged as it is — the general parse would only
 * rebuild the same fields (two DATETIME columns were 5–10% of the mapping's CPU); anything else (zero
 * dates, other shapes, impossible days, which then fail) takes the general path.
 */
function utcInstant(v: unknown): string | null {
  if (typeof v === 'string') {
    const fast = canonicalUtc(v);
    if (fast !== undefined) return fast;
  }
  return instant(v, UTC);
}

const digit = (v: string, i: number) => {
  const c = v.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000; // any non-digit makes the field out of range
};
const two = (v: string, i: number) => digit(v, i) * 10 + digit(v, i + 1);

function canonicalUtc(v: string): string | undefined {
  const n = v.length;
  if (n !== 19 && (n < 21 || n > 26)) return undefined;
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== ' ' || v[13] !== ':' || v[16] !== ':') return undefined;
  const y = two(v, 0) * 100 + two(v, 2);
  const mo = two(v, 5);
  const d = two(v, 8);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (
    two(v, 11) > 23 ||
    two(v, 14) > 59 ||
    two(v, 17) > 59 ||
    two(v, 11) < 0 ||
    two(v, 14) < 0 ||
    two(v, 17) < 0
  )
    return undefined;
  if (n === 19) return `${v.slice(0, 10)}T${v.slice(11)}.000000Z`;
  if (v[19] !== '.') return undefined;
  for (let i = 20; i < n; i++) if (digit(v, i) < 0) return undefined;
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${v.slice(20).padEnd(6, '0')}Z`;
}

const TIME = /^(-)?(\d{1,3}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,9}))?$/;

/** TIME is a duration or time of day, −838:59:59 … 838:59:59: "[-]HH:MM:SS.ffffff" (hours may be 3 digits). */
function time(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`expected a time string, got ${typeName(v)}`);
  const m = TIME.exec(v.trim());
  if (!m) throw new Error('not a time string');
  const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (mi > 59 || s > 59) throw new Error('minutes/seconds out of range');
  const micros = (m[5] ?? '').slice(0, 6).padEnd(6, '0');
  const negative = m[1] === '-' && (h !== 0 || mi !== 0 || s !== 0 || micros !== '000000');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${negative ? '-' : ''}${two(h)}:${two(mi)}:${two(s)}.${micros}`;
}

/** YEAR → number; the zero year (0000, which zongji 0.9.0 reports as 1900) → null like zero dates. */
function year(v: unknown): number | null {
  const n = Number(integerString(v));
  return n === 0 || n === 1900 ? null : n;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
