import type { Row } from '../../../core/change-event.js';
import type { ColumnType } from '../../../mapping/column-types.js';
import { compileConverter } from '../../../mapping/convert.js';
import { asBytes } from '../../../mapping/json-text.js';

/** A key column as INFORMATION_SCHEMA describes it, with the collation its comparisons use. */
export interface KeyColumnType extends ColumnType {
  /** COLLATION_NAME (utf8mb4_general_ci…), null for non-text columns. */
  readonly collation: string | null;
}

/**
 * How the chunk window compares a key read by the chunk SELECT (mysql2, text protocol) with a key seen in
 * the binlog (zongji). The two drivers render some types differently (FLOAT: the server's 6-digit print vs
 * the stored float32; UUID/INET6: text vs bytes; DOUBLE: the text parse can be 1 ULP off), and a plain
 * string compare both misses equal keys (a stale row then overwrites a newer change) and merges distinct
 * binary keys (invalid UTF-8 decodes to the same U+FFFD, and an unchanged row is dropped and never written).
 *
 * - `exact`: one canonical form per stored value, built the same way from either driver's rendering. Equal
 *   exact keys are the same row: the stream carries its newer state, so the snapshot row is dropped.
 * - `near`: forms that two renderings of one stored value always share (the float's printed digits, a few
 *   ULPs of a double, the folded form under a case-insensitive / PAD SPACE collation). A row that matches a
 *   changed key only here may or may not be that row; it is neither emitted nor dropped but read again in
 *   the next chunk, so a coarse match costs a re-read, never a lost or stale row.
 */
export interface KeyShape {
  exact(row: Row): string;
  near(row: Row): string[];
}

interface ColumnKey {
  exact(v: unknown): string;
  near(v: unknown): string[];
}

const NULL_KEY = '\u0000null';
const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);
const TEMPORAL = new Set(['date', 'datetime', 'timestamp', 'time']);
const CONVERTED = new Set(['uuid', 'inet4', 'inet6']);

/** The key comparison of a table; without column types (a caller that did not read them) values compare as given. */
export function keyShape(keyColumns: readonly string[], types?: readonly KeyColumnType[]): KeyShape {
  const byName = new Map(types?.map((t) => [t.name, t]));
  const cols = keyColumns.map((name) => {
    const t = byName.get(name);
    return { name, key: nullable(t ? columnKey(t) : GENERIC) };
  });
  return {
    exact: (row) => JSON.stringify(cols.map((c) => c.key.exact(row[c.name]))),
    near: (row) => {
      let combos: string[][] = [[]];
      for (const c of cols) {
        const options = c.key.near(row[c.name]);
        combos = combos.flatMap((prefix) => options.map((o) => [...prefix, o]));
      }
      return combos.map((parts) => JSON.stringify(parts));
    },
  };
}

function nullable(k: ColumnKey): ColumnKey {
  return {
    exact: (v) => (v === null || v === undefined ? NULL_KEY : k.exact(v)),
    near: (v) => (v === null || v === undefined ? [NULL_KEY] : k.near(v)),
  };
}

const same = (exact: (v: unknown) => string): ColumnKey => ({ exact, near: (v) => [exact(v)] });

const GENERIC: ColumnKey = same((v) => {
  const b = asBytes(v);
  return b ? `x${b.toString('hex')}` : String(v);
});

function columnKey(t: KeyColumnType): ColumnKey {
  const type = t.type;
  if (INTEGER.has(type) || type === 'decimal' || type === 'numeric') return same((v) => canonicalDecimal(v));
  if (type === 'float') return floatKey(t.scale);
  if (type === 'double' || type === 'real') return doubleKey();
  if (TEXT.has(type)) return textKey(t.collation);
  if (BYTES.has(type)) return bytesKey(type === 'binary' ? (t.length ?? 0) : 0);
  if (TEMPORAL.has(type)) return same(temporal);
  if (CONVERTED.has(type)) {
    const convert = compileConverter(t);
    return same((v) => {
      try {
        return String(convert(v));
      } catch {
        return GENERIC.exact(v);
      }
    });
  }
  return GENERIC;
}

/** Decimal text without a sign on zero, leading integer zeros or trailing fraction zeros: "012.50" → "12.5". */
export function canonicalDecimal(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : String(v);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return s;
  const int = m[2]!.replace(/^0+/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const sign = m[1] === '-' && (int !== '0' || frac !== '') ? '-' : '';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

/** The shortest decimal that reads back to the same float32. */
export function shortestFloat32(x: number): string {
  const f = Math.fround(x);
  for (let p = 1; p < 10; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/**
 * FLOAT: the SELECT's text is the server's print of the float32 (6 significant digits, or D decimals for
 * FLOAT(M,D)), the binlog holds the float32 itself. Exact: the float32 the text reads back to. Near: the
 * server's print, computed from either side.
 */
function floatKey(scale: number | null): ColumnKey {
  const printed = (n: number) => String(Number(scale !== null ? n.toFixed(scale) : n.toPrecision(6)));
  return {
    exact: (v) => shortestFloat32(Number(v)),
    near: (v) => {
      const n = Number(v);
      return [...new Set([shortestFloat32(n), printed(n), printed(Math.fround(n))])];
    },
  };
}

/** DOUBLE: exact as read; near within 2 ULPs, the error of a text parse that is not correctly rounded. */
function doubleKey(): ColumnKey {
  return {
    exact: (v) => String(Number(v)),
    near: (v) => {
      const n = Number(v);
      if (!Number.isFinite(n)) return [String(n)];
      const out = [n];
      let up = n;
      let down = n;
      for (let i = 0; i < 2; i++) {
        up = nextDouble(up, 1);
        down = nextDouble(down, -1);
        out.push(up, down);
      }
      return out.map(String);
    },
  };
}

/** The adjacent double towards +∞ (dir 1) or −∞ (dir −1). */
export function nextDouble(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigInt64(0);
  buf.setBigInt64(0, x > 0 === dir > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

/**
 * Text keys are stored and rendered alike by both drivers, so exact is the text. Near folds what the
 * collation treats as equal: trailing spaces under PAD SPACE, case and accents under a _ci collation.
 */
function textKey(collation: string | null): ColumnKey {
  const c = (collation ?? '').toLowerCase();
  const padSpace = !c.includes('_nopad') && !c.includes('_0900_');
  const caseInsensitive = c.endsWith('_ci');
  const accentInsensitive = caseInsensitive && !c.includes('_as_');
  const text = (v: unknown) => {
    const b = asBytes(v);
    return b ? b.toString('utf8') : String(v);
  };
  return {
    exact: text,
    near: (v) => {
      let s = text(v);
      if (padSpace) s = s.replace(/ +$/, '');
      if (accentInsensitive) s = s.normalize('NFD').replace(/\p{M}/gu, '');
      if (caseInsensitive) s = s.toLowerCase();
      return [s];
    },
  };
}

/** Bytes compared as bytes (hex), BINARY(n) padded to n; near ignores trailing zero bytes. */
function bytesKey(width: number): ColumnKey {
  const hex = (v: unknown) => {
    let b = asBytes(v) ?? Buffer.from(String(v), 'utf8');
    if (b.length < width) b = Buffer.concat([b, Buffer.alloc(width - b.length)]);
    return b.toString('hex');
  };
  return { exact: hex, near: (v) => [hex(v).replace(/(00)+$/, '')] };
}

/** DATE/DATETIME/TIMESTAMP/TIME text with the fraction's trailing zeros dropped (both drivers pad to the fsp). */
function temporal(v: unknown): string {
  if (v instanceof Date) return temporal(v.toISOString().replace('T', ' ').replace('Z', ''));
  const s = String(v).trim();
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
