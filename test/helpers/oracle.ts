import type { Pool } from 'mysql2/promise';

/**
 * The documents a table should give, rendered apart from the product: the SQL below decides each value
 * (CAST, HEX, DATE_FORMAT, UNIX_TIMESTAMP — text the server prints, never a driver's parsing), and the
 * rules of docs/mapping.md ("Type conversion", "Document ids") turn it into the document. Nothing of
 * src/mapping is used, so a conversion bug there shows up as a difference instead of being copied.
 * Computed fields are not rendered (no convergence test uses them).
 */

/** The parts of a mapping the oracle reads (a TableMapping fits). */
export interface OracleMapping {
  readonly database: string;
  readonly table: string;
  readonly config: {
    readonly keyColumns?: readonly string[];
    readonly include?: readonly string[];
    readonly exclude?: readonly string[];
    readonly rename?: Readonly<Record<string, string>>;
    readonly decimal?: 'string' | 'number';
    readonly tinyint1?: 'number' | 'boolean';
    readonly datetimeZone?: string;
  };
}

type Doc = Record<string, unknown>;

interface Column {
  name: string;
  dataType: string;
  columnType: string;
  json: boolean;
}

const q = (s: string) => `\`${s.replaceAll('`', '``')}\``;
const MAX_SAFE = 2n ** 53n - 1n;

async function describe(pool: Pool, database: string, table: string) {
  const [cols] = (await pool.query(
    `SELECT COLUMN_NAME AS n, DATA_TYPE AS t, COLUMN_TYPE AS ct FROM INFORMATION_SCHEMA.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database, table],
  )) as unknown as [Array<{ n: string; t: string; ct: string }>];
  // MariaDB's JSON is LONGTEXT CHECK (json_valid(col)); MySQL's view has no TABLE_NAME, its JSON says 'json'.
  const [checks] = (await pool
    .query(
      `SELECT CHECK_CLAUSE AS c FROM INFORMATION_SCHEMA.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`,
      [database, table],
    )
    .catch(() => [[]])) as unknown as [Array<{ c: string }>];
  const jsonCols = new Set(
    checks.map((r) => /^\s*json_valid\(`(.+)`\)\s*$/i.exec(String(r.c))?.[1]).filter((x) => x !== undefined),
  );
  const [pk] = (await pool.query(
    `SELECT COLUMN_NAME AS n FROM INFORMATION_SCHEMA.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [database, table],
  )) as unknown as [Array<{ n: string }>];
  const columns: Column[] = cols.map((c) => ({
    name: String(c.n),
    dataType: String(c.t).toLowerCase(),
    columnType: String(c.ct).toLowerCase(),
    json: jsonCols.has(String(c.n)) || String(c.t).toLowerCase() === 'json',
  }));
  return { columns, primaryKey: pk.map((r) => String(r.n)) };
}

const INTEGERS = ['tinyint', 'smallint', 'mediumint', 'int', 'bigint'];
const TEXTS = ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'];
const BYTES = ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit'];

/** The SQL expression whose text decides a column's value (NULL stays NULL). */
function expression(c: Column): string {
  const x = q(c.name);
  const zeroDay = `MONTH(${x}) = 0 OR DAYOFMONTH(${x}) = 0`;
  if (c.json || TEXTS.includes(c.dataType)) return `HEX(CONVERT(${x} USING utf8mb4))`;
  if (BYTES.includes(c.dataType)) return `HEX(${x})`;
  if (INTEGERS.includes(c.dataType) || c.dataType === 'decimal' || c.dataType === 'year')
    return `CAST(${x} AS CHAR)`;
  switch (c.dataType) {
    case 'float':
      // CAST AS DOUBLE widens the stored float32 exactly; printed as a double, it reads back exactly
      return scaleOf(c) === null ? `CAST(CAST(${x} AS DOUBLE) AS CHAR)` : `CAST(${x} AS CHAR)`;
    case 'double':
      return `CAST(${x} AS CHAR)`;
    case 'date':
      return `IF(${zeroDay}, 'zero', DATE_FORMAT(${x}, '%Y-%m-%d'))`;
    case 'datetime':
      return `IF(${zeroDay}, 'zero', DATE_FORMAT(${x}, '%Y-%m-%d %H:%i:%s.%f'))`;
    case 'timestamp':
      // epoch seconds: the stored instant, whatever the session's time zone
      return `IF(UNIX_TIMESTAMP(${x}) = 0, 'zero', CAST(UNIX_TIMESTAMP(${x}) AS CHAR))`;
    case 'time':
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return `CAST(${x} AS CHAR)`;
    case 'point':
      return `CONCAT(ST_X(${x}), ' ', ST_Y(${x}))`;
  }
  throw new Error(`oracle: no rendering for ${c.name} ${c.columnType}`);
}

function scaleOf(c: Column): number | null {
  const m = /^(?:float|double)\(\d+,(\d+)\)/.exec(c.columnType);
  return m ? Number(m[1]) : null;
}

/** The fewest significant digits that read back as the same float32 (docs/mapping.md, FLOAT). */
export function shortestFloat32(f: number): number {
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n + 0;
  }
  throw new Error(`oracle: ${f} is not a float32`);
}

function utf8(hex: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(hex, 'hex'));
}

const two = (n: number) => String(n).padStart(2, '0');

function iso(epochSeconds: number, micros: string): string {
  const d = new Date(epochSeconds * 1000);
  const y = d.getUTCFullYear();
  const year =
    y >= 0 && y <= 9999
      ? String(y).padStart(4, '0')
      : `${y < 0 ? '-' : '+'}${String(Math.abs(y)).padStart(6, '0')}`;
  return `${year}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${micros}Z`;
}

/** Seconds east of UTC for 'UTC' or a fixed offset ('+08:00', '-0530'). */
function fixedOffset(zone: string): number {
  if (zone.toUpperCase() === 'UTC' || zone === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) throw new Error(`oracle: datetimeZone ${zone} is not rendered (only UTC and fixed offsets)`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** JSON text → value, integers beyond ±(2^53−1) as their exact digits (docs/mapping.md, JSON). */
function parseJson(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): unknown => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const k = value() as string;
        ws();
        i++; // ':'
        out[k] = value();
        ws();
        if (text[i++] === '}') return out;
      }
    }
    if (ch === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i++] === ']') return out;
      }
    }
    if (ch === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
      return JSON.parse(text.slice(start, i));
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) throw new Error(`oracle: bad JSON at ${i}`);
    i += m[0].length;
    if (/^-?\d+$/.test(m[0])) {
      const n = BigInt(m[0]);
      return n > MAX_SAFE || n < -MAX_SAFE ? n.toString() : Number(n);
    }
    return JSON.parse(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error('oracle: trailing JSON text');
  return v;
}

interface Options {
  decimal: 'string' | 'number';
  tinyint1: 'number' | 'boolean';
  zoneOffset: number;
}

/** One column's document value from the text its SQL expression printed. */
function render(c: Column, text: string | null, o: Options): unknown {
  if (text === null) return null;
  const t = c.dataType;
  if (c.json) return parseJson(utf8(text));
  if (INTEGERS.includes(t)) {
    if (o.tinyint1 === 'boolean' && c.columnType.startsWith('tinyint(1)')) return text !== '0';
    const n = BigInt(text);
    return n > MAX_SAFE || n < -MAX_SAFE ? n.toString() : Number(n);
  }
  switch (t) {
    case 'decimal':
      return o.decimal === 'number' ? Number(text) : text;
    case 'float': {
      const n = Number(text);
      return scaleOf(c) === null ? shortestFloat32(n) : n + 0;
    }
    case 'double':
      return Number(text) + 0;
    case 'bit': {
      const bits = Number(/^bit\((\d+)\)/.exec(c.columnType)?.[1] ?? 1);
      return Buffer.from(text.padStart(Math.ceil(bits / 8) * 2, '0'), 'hex').toString('base64');
    }
    case 'date':
      return text === 'zero' ? null : text;
    case 'datetime': {
      if (text === 'zero') return null;
      const [, y, mo, d, h, mi, s, f] = /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.(\d{6})$/.exec(text)!;
      const wall = new Date(0);
      wall.setUTCFullYear(Number(y), Number(mo) - 1, Number(d)); // unlike Date.UTC, years 0–99 stay as they are
      wall.setUTCHours(Number(h), Number(mi), Number(s), 0);
      return iso(wall.getTime() / 1000 - o.zoneOffset, f!);
    }
    case 'timestamp': {
      if (text === 'zero') return null;
      const [sec, frac = ''] = text.split('.');
      return iso(Number(sec), frac.padEnd(6, '0'));
    }
    case 'time': {
      const m = /^(-?)(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(text)!;
      const micros = (m[5] ?? '').padEnd(6, '0');
      const zero = Number(m[2]) === 0 && Number(m[3]) === 0 && Number(m[4]) === 0 && /^0*$/.test(micros);
      return `${zero ? '' : m[1]}${m[2]!.padStart(2, '0')}:${m[3]}:${m[4]}.${micros}`;
    }
    case 'year':
      return Number(text) === 0 ? null : Number(text);
    case 'set': {
      const s = utf8(text);
      return s === '' ? [] : s.split(',');
    }
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return text;
    case 'point': {
      const [x, y] = text.split(' ').map(Number);
      return { x, y };
    }
  }
  if (TEXTS.includes(t)) return utf8(text);
  if (BYTES.includes(t)) return Buffer.from(text, 'hex').toString('base64');
  throw new Error(`oracle: no rendering for ${c.name} ${c.columnType}`);
}

/**
 * The search copy of a JSON column (docs/mapping.md, JSON columns): the scalar leaves as strings, nulls
 * left out, sorted by UTF-16 code units; a NULL column gives null.
 */
function leaves(value: unknown): string[] | null {
  if (value === null) return null;
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null) continue;
    if (typeof v === 'object') {
      const children = Array.isArray(v)
        ? v
        : Object.keys(v as object).map((k) => (v as Record<string, unknown>)[k]);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    } else out.push(typeof v === 'number' ? JSON.stringify(v) : String(v));
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `_id` from the key parts (docs/mapping.md, Document ids). */
function documentId(parts: unknown[]): string {
  const strings = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
  if (strings.length === 1) return strings[0]!;
  return strings.map((s) => s.replace(/[\\|]/g, (ch) => `\\${ch}`)).join('|');
}

/** What the index should hold for the table, keyed by document id. */
export async function expectedDocuments(pool: Pool, m: OracleMapping): Promise<Map<string, Doc>> {
  const { columns, primaryKey } = await describe(pool, m.database, m.table);
  const lower = (xs?: readonly string[]) => (xs ? new Set(xs.map((x) => x.toLowerCase())) : null);
  const include = lower(m.config.include);
  const exclude = lower(m.config.exclude) ?? new Set<string>();
  const rename = new Map(Object.entries(m.config.rename ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const keyNames = (m.config.keyColumns ?? primaryKey).map((k) => k.toLowerCase());
  const opts: Options = {
    decimal: m.config.decimal ?? 'string',
    tinyint1: m.config.tinyint1 ?? 'number',
    zoneOffset: fixedOffset(m.config.datetimeZone ?? 'UTC'),
  };
  const keyOpts: Options = { ...opts, decimal: 'string', tinyint1: 'number' };
  const select = columns.map((c, i) => `${expression(c)} AS c${i}`).join(', ');
  const [rows] = (await pool.query(`SELECT ${select} FROM ${q(m.database)}.${q(m.table)}`)) as unknown as [
    Array<Record<string, string | null>>,
  ];
  const out = new Map<string, Doc>();
  for (const row of rows) {
    const doc: Doc = {};
    const keyParts: unknown[] = new Array(keyNames.length);
    columns.forEach((c, i) => {
      const text = row[`c${i}`] ?? null;
      const name = c.name.toLowerCase();
      const k = keyNames.indexOf(name);
      if (k >= 0) keyParts[k] = render(c, text, keyOpts);
      if ((include === null || include.has(name)) && !exclude.has(name)) {
        const field = rename.get(name) ?? c.name;
        doc[field] = render(c, text, opts);
        if (
          c.json &&
          !columns.some((o) => (rename.get(o.name.toLowerCase()) ?? o.name) === `${field}_values`)
        )
          doc[`${field}_values`] = leaves(doc[field]);
      }
    });
    out.set(documentId(keyParts), doc);
  }
  return out;
}
