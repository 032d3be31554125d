import type { FieldPacket, TypeCast } from 'mysql2';
import type { Row } from '../core/change-event.js';
import { sameColumns } from './compiled-document.js';

/**
 * FLOAT and DOUBLE read exactly, the one place every SELECT of table rows goes through (snapshot chunks,
 * polling pages, reconcile look-ups), so that a row read by SELECT and the same row from the binlog
 * (which carries the stored float32 / float64 bits) give the same document:
 * - the text protocol prints FLOAT with 6 significant digits (a stored -851500.5 reads as -851500), so
 *   FLOAT columns are selected a second time as `col + 0e0`, a DOUBLE that widens the float32 exactly;
 * - mysql2 3.24.6 parses some DOUBLE text wrongly (977.1706419996917 → 977.1706419996916), so DOUBLE
 *   and FLOAT text is parsed by Number(), which is correctly rounded; the server prints DOUBLE in the
 *   shortest form that reads back to the stored double.
 */

/** mysql2 typeCast: DOUBLE and FLOAT text through Number() instead of mysql2's own number parser. */
export const exactNumberCast: TypeCast = (field, next) => {
  if (field.type !== 'DOUBLE' && field.type !== 'FLOAT') return next();
  const text = field.string();
  return text === null ? null : Number(text);
};

/**
 * The shortest decimal (fewest significant digits) that reads back as the float32 `f`; `f` must be a
 * float32 value (Math.fround(f) === f). Negative zero gives "0" (JSON has no negative zero to keep).
 */
export function float32Text(f: number): string {
  if (f === 0) return '0';
  for (let digits = 1; digits < 9; digits++) {
    const s = f.toPrecision(digits);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  // 9 significant digits always identify a float32
  return String(Number(f.toPrecision(9)));
}

/** A FLOAT column's document value: the stored float32 as its shortest decimal (-0 → 0). */
export function float32Number(v: number): number {
  return Number(float32Text(Math.fround(v)));
}

/** What the exact reads run their SELECTs with: a mysql2/promise Pool, PoolConnection or Connection. */
export interface RowQueryable {
  query(options: {
    sql: string;
    values?: unknown;
    typeCast?: TypeCast;
    rowsAsArray?: boolean;
  }): Promise<[unknown, unknown]>;
}

const FLOAT_COLUMN_TYPE = 4; // MYSQL_TYPE_FLOAT
const DOUBLE_COLUMN_TYPE = 5; // MYSQL_TYPE_DOUBLE
const BAD_FIELD = 1054; // ER_BAD_FIELD_ERROR: a column of the plan was dropped
const ALIAS = '~syncline exact~';
const quote = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/**
 * Per pool, per `database.table`: the FLOAT columns seen by the last read, and whether it had any FLOAT
 * or DOUBLE column at all — without one the rows are read without the typeCast hook, which costs mysql2
 * a wrapper object and a closure per field of every row (a tenth of the snapshot's read path).
 */
interface ReadPlan {
  readonly floats: readonly string[];
  readonly inexact: boolean;
}
const plans = new WeakMap<object, Map<string, ReadPlan>>();

// mysql2 says columnType; the mysql package (a TypeORM application's driver) says type
const typeOf = (f: FieldPacket) => f.columnType ?? (f as { type?: unknown }).type;

function floatColumns(fields: readonly FieldPacket[]): string[] {
  return fields
    .filter((f) => typeOf(f) === FLOAT_COLUMN_TYPE && !f.name.startsWith(ALIAS))
    .map((f) => f.name);
}

function planOf(fields: readonly FieldPacket[]): ReadPlan {
  return {
    floats: [...new Set(floatColumns(fields))],
    inexact: fields.some((f) => typeOf(f) === FLOAT_COLUMN_TYPE || typeOf(f) === DOUBLE_COLUMN_TYPE),
  };
}

/** A connection of a callback-style driver (mysql2's or the mysql package's, as TypeORM holds them). */
export interface CallbackConnection {
  query(options: object, callback: (err: unknown, rows: unknown, fields: unknown) => void): unknown;
}

const adapters = new WeakMap<object, RowQueryable>();

/** The connection as a RowQueryable (one per connection, so what readRows learnt about a table is kept). */
export function callbackQueryable(conn: CallbackConnection): RowQueryable {
  let q = adapters.get(conn);
  if (!q) {
    q = {
      query: (options) =>
        new Promise((resolve, reject) => {
          conn.query(options, (err, rows, fields) => (err ? reject(err) : resolve([rows, fields])));
        }),
    };
    adapters.set(conn, q);
  }
  return q;
}

export interface SelectExactOptions {
  /** The alias the statement gives the table (`FROM db.t AS x` → 'x'), so the columns are `x`.* … */
  readonly qualifier?: string;
  /** Rows as arrays, aligned with the fields returned (mysql2's rowsAsArray). */
  readonly rowsAsArray?: boolean;
}

/**
 * Runs the statement `build(columns)` makes, where `columns` stands for the table's `*` (every column,
 * FLOAT ones read exactly), with FLOAT and DOUBLE exact. The FLOAT columns are learnt from the result's
 * own column metadata (a FLOAT column added or dropped since the last read makes the statement run again
 * with the new list), so the rows returned are always those of one statement, and exact. The result is
 * what mysql2 returns, without the helper columns.
 */
export async function selectExact(
  db: RowQueryable,
  database: string,
  table: string,
  build: (columns: string) => string,
  values?: unknown,
  opts: SelectExactOptions = {},
): Promise<[Row[] | unknown[][], FieldPacket[]]> {
  let byTable = plans.get(db);
  if (!byTable) {
    byTable = new Map<string, ReadPlan>();
    plans.set(db, byTable);
  }
  const key = `${database}.${table}`;
  const prefix = opts.qualifier === undefined ? '' : `${quote(opts.qualifier)}.`;
  for (let attempt = 0; ; attempt++) {
    let plan = byTable.get(key);
    if (plan === undefined) {
      const [, fields] = await db.query({ sql: `SELECT * FROM ${quote(database)}.${quote(table)} LIMIT 0` });
      plan = planOf(fields as FieldPacket[]);
      byTable.set(key, plan);
    }
    const floats = plan.floats;
    // FLOAT + a DOUBLE zero is a DOUBLE holding the float32 exactly (CAST AS DOUBLE needs MySQL 8.0.17)
    const casts = floats.map((c) => `, ${prefix}${quote(c)} + 0e0 AS ${quote(ALIAS + c)}`);
    let rows: unknown;
    let fields: FieldPacket[];
    try {
      [rows, fields] = (await db.query({
        sql: build(`${prefix}*${casts.join('')}`),
        values,
        ...(plan.inexact && { typeCast: exactNumberCast }),
        ...(opts.rowsAsArray && { rowsAsArray: true }),
      })) as [unknown, FieldPacket[]];
    } catch (e) {
      if ((e as { errno?: number }).errno === BAD_FIELD && floats.length > 0 && attempt < 3) {
        byTable.delete(key);
        continue;
      }
      throw e;
    }
    // a FLOAT/DOUBLE column added (or dropped) since the plan was made: read again with the new plan
    const seen = planOf(fields);
    if ((!sameColumns(seen.floats, floats) || (seen.inexact && !plan.inexact)) && attempt < 3) {
      byTable.set(key, seen);
      continue;
    }
    if (floats.length === 0) return [rows as Row[], fields];
    if (!opts.rowsAsArray) {
      for (const row of rows as Row[]) {
        for (const c of floats) {
          row[c] = row[ALIAS + c];
          delete row[ALIAS + c];
        }
      }
      return [rows as Row[], fields];
    }
    const names = fields.map((f) => f.name);
    const moves = floats.map((c) => [names.lastIndexOf(c), names.indexOf(ALIAS + c)] as const);
    const keep = names.map((n, i) => (n.startsWith(ALIAS) ? -1 : i)).filter((i) => i >= 0);
    const arrays = (rows as unknown[][]).map((r) => {
      for (const [to, from] of moves) r[to] = r[from];
      return keep.map((i) => r[i]);
    });
    return [arrays, keep.map((i) => fields[i]!)];
  }
}

/** Runs `sql` — a `SELECT * FROM <database>.<table> …` of that one table — with FLOAT and DOUBLE exact. */
export async function readRows(
  db: RowQueryable,
  database: string,
  table: string,
  sql: string,
  values?: unknown,
): Promise<Row[]> {
  if (!/^SELECT \* FROM /.test(sql)) throw new Error('readRows runs "SELECT * FROM <table> …" only');
  const rest = sql.slice('SELECT * '.length);
  const [rows] = await selectExact(db, database, table, (columns) => `SELECT ${columns} ${rest}`, values);
  return rows as Row[];
}
