import type ZongJi from '@vlasky/zongji';
import { negativeTime } from './row-values.js';
import {
  decodeTextColumn,
  readMysqlValue,
  valueParser,
  type ZongjiColumn,
  type ZongjiColumnSchema,
  type ZongjiTable,
} from './zongji-values.js';

/**
 * One value reader per column of a table, for the row decoder (row-decoder.ts): each reads its value at the
 * cursor and moves it on. The values are the pipeline's final ones (what zongji plus rowNormalizer gave);
 * the types below the fast paths go to zongji's own decoder.
 */
/** Where a value is read from; readers advance `pos`. */
export interface Cursor {
  buf: Buffer;
  pos: number;
}

export type Reader = (c: Cursor) => unknown;

export interface ConnectionConfig {
  dateStrings?: unknown;
  timezone?: string;
  decimalNumbers?: boolean;
}

const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  YEAR: 13,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  STRING: 254,
} as const;

const UTF8 = new Set(['utf8mb4', 'utf8mb3', 'utf8']);

/** zongji's decoder of one value (the types this file leaves to it). */
function zongjiReader(
  column: ZongjiColumn,
  schema: ZongjiColumnSchema,
  table: ZongjiTable,
  z: ZongJi,
): Reader {
  return (c) => {
    const p = valueParser(c.buf, c.pos);
    const v = readMysqlValue(p, column, schema, table, z);
    c.pos = p._offset;
    return v;
  };
}

export function columnReader(
  column: ZongjiColumn,
  schema: ZongjiColumnSchema,
  table: ZongjiTable,
  z: ZongJi,
  config: ConnectionConfig,
): Reader {
  const meta = column.metadata ?? {};
  const unsigned = schema.UNSIGNED !== undefined ? schema.UNSIGNED : schema.COLUMN_TYPE.includes('unsigned');
  const dateStrings = config.dateStrings === true;
  const def = schema.COLUMN_TYPE;
  switch (column.type) {
    case T.TINY:
      return unsigned ? (c) => c.buf[c.pos++] : (c) => c.buf.readInt8(c.pos++);
    case T.SHORT:
      return unsigned ? (c) => u16(c) : (c) => i16(c);
    case T.INT24:
      return unsigned ? (c) => u24(c) : (c) => (u24(c) << 8) >> 8;
    case T.LONG:
      return unsigned ? (c) => u32(c) : (c) => u32(c) | 0;
    case T.LONGLONG:
      // rowNormalizer made every BIGINT a string, as the snapshot pool reads it (bigNumberStrings).
      return unsigned ? (c) => uint64(c) : (c) => int64(c);
    case T.FLOAT:
      return (c) => {
        const v = c.buf.readFloatLE(c.pos);
        c.pos += 4;
        return v;
      };
    case T.DOUBLE:
      return (c) => {
        const v = c.buf.readDoubleLE(c.pos);
        c.pos += 8;
        return v;
      };
    case T.NEWDECIMAL:
      if (config.decimalNumbers) break;
      return decimalReader(meta.precision!, meta.decimals!);
    case T.YEAR:
      return (c) => c.buf[c.pos++]! + 1900;
    case T.DATE:
      if (!dateStrings) break;
      return (c) => {
        const raw = u24(c);
        return `${pad4(raw >>> 9)}-${pad2((raw >>> 5) & 15)}-${pad2(raw & 31)}`;
      };
    case T.DATETIME2:
      if (!dateStrings) break;
      return datetime2Reader(meta.decimals ?? 0);
    case T.TIMESTAMP2: {
      if (!dateStrings) break;
      const zone = zoneOffsetMinutes(config.timezone);
      if (zone === undefined) break;
      return timestamp2Reader(meta.decimals ?? 0, zone);
    }
    case T.TIME2:
      return time2Reader(meta.decimals ?? 0);
    case T.BIT: {
      const size = ((meta.bits ?? 0) + 7) >> 3;
      return (c) => {
        const v = c.buf.subarray(c.pos, c.pos + size);
        c.pos += size;
        return v;
      };
    }
    case T.ENUM: {
      const size = meta.size ?? 1;
      const choices = schema.ENUM_VALUES ?? enumSetValues(def, 5);
      return (c) => {
        const raw = c.buf.readUIntLE(c.pos, size);
        c.pos += size;
        return choices[raw - 1];
      };
    }
    case T.SET: {
      const size = meta.size ?? 1;
      const choices = schema.SET_VALUES ?? enumSetValues(def, 4);
      return (c) => {
        const low = c.buf.readUIntLE(c.pos, Math.min(size, 4));
        const high = size === 8 ? c.buf.readUInt32LE(c.pos + 4) : 0;
        c.pos += size;
        let out = '';
        for (let i = 0; i < 32; i++) if (low & (1 << i)) out += out ? `,${choices[i]}` : `${choices[i]}`;
        for (let i = 0; i < 32; i++)
          if (high & (1 << i)) out += out ? `,${choices[i + 32]}` : `${choices[i + 32]}`;
        return out;
      };
    }
    case T.VARCHAR:
    case T.STRING: {
      if (def === 'uuid' || def === 'inet4' || def === 'inet6') break;
      const prefix = (meta.max_length ?? 0) > 255 ? 2 : 1;
      const head = def.slice(0, 6);
      if (head === 'vector' || head === 'varbin') return (c) => bytes(c, prefix);
      if (head === 'binary') {
        const width = Number.parseInt(def.slice(7), 10);
        return (c) => {
          const v = Buffer.alloc(width, 0);
          (bytes(c, prefix) as Buffer).copy(v);
          return v;
        };
      }
      return textReader(column.charset, prefix);
    }
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB: {
      const lengthSize = meta.length_size ?? 2;
      return column.charset !== null ? textReader(column.charset, lengthSize) : (c) => bytes(c, lengthSize);
    }
  }
  const fallback = zongjiReader(column, schema, table, z);
  if (/^time\b(?!stamp)/.test(def.toLowerCase())) {
    // rowNormalizer's repair of zongji's negative TIME (classic and hires TIME go to zongji).
    return (c) => {
      const v = fallback(c);
      return typeof v === 'string' && v.startsWith('-') ? negativeTime(v) : v;
    };
  }
  return fallback;
}

function u16(c: Cursor): number {
  const v = c.buf.readUInt16LE(c.pos);
  c.pos += 2;
  return v;
}

function i16(c: Cursor): number {
  const v = c.buf.readInt16LE(c.pos);
  c.pos += 2;
  return v;
}

/** Buffer's readUIntLE validates its arguments on every call (a wrapper that showed in the profile). */
function u24(c: Cursor): number {
  const b = c.buf;
  const p = c.pos;
  c.pos = p + 3;
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
}

function u32(c: Cursor): number {
  const v = c.buf.readUInt32LE(c.pos);
  c.pos += 4;
  return v;
}

function uint64(c: Cursor): string {
  const low = c.buf.readUInt32LE(c.pos);
  const high = c.buf.readUInt32LE(c.pos + 4);
  const at = c.pos;
  c.pos += 8;
  if (high < 0x20_0000) return String(high * 0x1_0000_0000 + low);
  return c.buf.readBigUInt64LE(at).toString();
}

function int64(c: Cursor): string {
  const low = c.buf.readUInt32LE(c.pos);
  const high = c.buf.readInt32LE(c.pos + 4);
  const at = c.pos;
  c.pos += 8;
  if (high < 0x20_0000 && high >= -0x20_0000) return String(high * 0x1_0000_0000 + low);
  return c.buf.readBigInt64LE(at).toString();
}

function bytes(c: Cursor, prefix: number): Buffer {
  const n = lengthAt(c.buf, c.pos, prefix);
  const start = c.pos + prefix;
  c.pos = start + n;
  return c.buf.subarray(start, c.pos);
}

/** Buffer's own utf8 decoder (what toString('utf8', …) calls after checking its arguments). */
interface Utf8Buffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

/** Node 20 has it (undocumented); should a later Node drop it, toString('utf8', …) does the same. */
const HAS_UTF8_SLICE = typeof (Buffer.prototype as Partial<Utf8Buffer>).utf8Slice === 'function';

/** A length prefix of 1–4 bytes, little-endian. */
function lengthAt(b: Buffer, p: number, size: number): number {
  if (size === 1) return b[p]!;
  if (size === 2) return b[p]! | (b[p + 1]! << 8);
  if (size === 3) return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  return b.readUInt32LE(p);
}

function textReader(charset: string | null | undefined, prefix: number): Reader {
  if (!charset || UTF8.has(charset)) {
    return (c) => {
      const b = c.buf as Utf8Buffer;
      const n = lengthAt(b, c.pos, prefix);
      const start = c.pos + prefix;
      c.pos = start + n;
      // Buffer#toString re-checks its arguments and goes through slice(); the bounds are known here.
      if (n === 0) return '';
      return HAS_UTF8_SLICE ? b.utf8Slice(start, c.pos) : b.toString('utf8', start, c.pos);
    };
  }
  return (c) => decodeTextColumn(bytes(c, prefix), charset);
}

/** zongji's parse of an ENUM/SET definition ('enum(' / 'set(' … ')'): values split at commas, quotes cut. */
function enumSetValues(def: string, prefixLength: number): string[] {
  return def
    .slice(prefixLength, def.length - 1)
    .split(',')
    .map((v) => (v[0] === '"' || v[0] === "'" ? v.slice(1, v.length - 1) : v));
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? `0${n}` : n >= 10 ? `00${n}` : `000${n}`;
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

function padTo(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : ZEROS[width - s.length] + s;
}

const FRACTION_BYTES = [0, 1, 1, 2, 2, 3, 3];

/** The fraction of DATETIME2/TIMESTAMP2 as zongji prints it: '.' and `dec` digits ('' when dec is 0). */
function readFraction(c: Cursor, dec: number): string {
  if (dec === 0) return '';
  const n = FRACTION_BYTES[dec]!;
  let v = c.buf.readUIntBE(c.pos, n);
  c.pos += n;
  if (dec % 2 !== 0) v /= 10;
  return `.${padTo(v, dec)}`;
}

function datetime2Reader(dec: number): Reader {
  return (c) => {
    const b = c.buf;
    const p = c.pos;
    // 40 bits, big-endian, offset by 2^39: year*13+month (17 bits), day (5), hour (5), minute (6), second (6).
    const hi = b.readUInt32BE(p) - 0x8000_0000; // top 32 bits of the 40
    const lo = b[p + 4]!;
    c.pos = p + 5;
    const yearMonth = hi >>> 14;
    const day = (hi >>> 9) & 31;
    const hour = (hi >>> 4) & 31;
    const minute = ((hi & 15) << 2) | (lo >>> 6);
    const second = lo & 63;
    return `${pad4(Math.floor(yearMonth / 13))}-${pad2(yearMonth % 13)}-${pad2(day)} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}${readFraction(c, dec)}`;
  };
}

/** Minutes east of UTC for mysql2's `timezone` option ('Z', '±hh:mm'); undefined for 'local' and others. */
function zoneOffsetMinutes(timezone: string | undefined): number | undefined {
  if (timezone === 'Z') return 0;
  const m = /^([+-])(\d\d):(\d\d)$/.exec(timezone ?? '');
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function timestamp2Reader(dec: number, offsetMinutes: number): Reader {
  const shift = offsetMinutes * 60_000;
  return (c) => {
    const seconds = c.buf.readInt32BE(c.pos);
    c.pos += 4;
    const fraction = readFraction(c, dec);
    if (seconds === 0 && (dec === 0 || /^\.0+$/.test(fraction))) return `0000-00-00 00:00:00${fraction}`;
    // Sub-second digits never carry into the seconds: the calendar fields come from whole seconds.
    const d = new Date(seconds * 1000 + shift);
    return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${fraction}`;
  };
}

/** TIME(dec) in MySQL 5.6's format, decoded as the server does (my_time_packed_from_binary). */
function time2Reader(dec: number): Reader {
  const divisor = 10 ** (6 - dec);
  return (c) => {
    const b = c.buf;
    const p = c.pos;
    let packed: number;
    if (dec >= 5) {
      packed = b.readUIntBE(p, 6) - 0x8000_0000_0000;
      c.pos = p + 6;
    } else {
      let int = b.readUIntBE(p, 3) - 0x80_0000;
      let frac = 0;
      if (dec >= 3) {
        frac = b.readUInt16BE(p + 3);
        c.pos = p + 5;
        if (int < 0 && frac !== 0) {
          int++;
          frac -= 0x1_0000;
        }
        frac *= 100;
      } else if (dec >= 1) {
        frac = b[p + 3]!;
        c.pos = p + 4;
        if (int < 0 && frac !== 0) {
          int++;
          frac -= 0x100;
        }
        frac *= 10_000;
      } else c.pos = p + 3;
      packed = int * 0x100_0000 + frac;
    }
    const negative = packed < 0;
    if (negative) packed = -packed;
    const hms = Math.floor(packed / 0x100_0000);
    const micros = packed % 0x100_0000;
    const hour = (hms >>> 12) % 1024;
    const text = `${negative ? '-' : ''}${hour > 99 ? padTo(hour, 3) : pad2(hour)}:${pad2((hms >>> 6) % 64)}:${pad2(hms % 64)}`;
    return dec === 0 ? text : `${text}.${padTo(Math.floor(micros / divisor), dec)}`;
  };
}

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** DECIMAL(precision, scale) as zongji prints it: exact, leading zeros cut, `scale` fraction digits. */
function decimalReader(precision: number, scale: number): Reader {
  const integral = precision - scale;
  const fullInt = Math.floor(integral / 9);
  const fullFrac = Math.floor(scale / 9);
  const partInt = integral - fullInt * 9;
  const partFrac = scale - fullFrac * 9;
  const partIntBytes = DIG2BYTES[partInt]!;
  const partFracBytes = DIG2BYTES[partFrac]!;
  const size = partIntBytes + fullInt * 4 + fullFrac * 4 + partFracBytes;
  const scratch = Buffer.alloc(size);
  return (c) => {
    // A copy: the sign bit is flipped for reading, and the packet must not change.
    c.buf.copy(scratch, 0, c.pos, c.pos + size);
    c.pos += size;
    const positive = (scratch[0]! & 0x80) !== 0;
    scratch[0]! ^= 0x80;
    const mask = positive ? 0 : -1;
    let p = 0;
    let int = '';
    if (partIntBytes > 0) {
      int = String(scratch.readIntBE(0, partIntBytes) ^ mask);
      p = partIntBytes;
    }
    for (let i = 0; i < fullInt; i++, p += 4) int += padTo(scratch.readInt32BE(p) ^ mask, 9);
    let k = 0;
    while (k < int.length - 1 && int.charCodeAt(k) === 48) k++;
    int = k > 0 ? int.slice(k) : int;
    if (int === '') int = '0';
    let out = positive ? int : `-${int}`;
    if (scale > 0) {
      let frac = '';
      for (let i = 0; i < fullFrac; i++, p += 4) frac += padTo(scratch.readInt32BE(p) ^ mask, 9);
      if (partFracBytes > 0) frac += padTo(scratch.readIntBE(p, partFracBytes) ^ mask, partFrac);
      out += `.${frac}`;
    }
    return out;
  };
}
