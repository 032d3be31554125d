import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';

/**
 * How one column's values are converted (see convert.ts). Read from INFORMATION_SCHEMA, because neither
 * reader says enough on its own: the binlog carries no names for SET bits of older servers, no
 * DATETIME precision, no TINYINT(1)-ness, and MariaDB's JSON is a LONGTEXT with a CHECK constraint.
 */
export interface ColumnType {
  readonly name: string;
  /** INFORMATION_SCHEMA DATA_TYPE lowercased (tinyint, decimal, datetime…); 'json' for MariaDB's JSON alias. */
  readonly type: string;
  /** Full COLUMN_TYPE, lowercased (e.g. "decimal(12,2) unsigned"); for logs and the docs. */
  readonly columnType: string;
  readonly unsigned: boolean;
  /** NUMERIC_PRECISION (digits; for BIT the bit width), null when not numeric. */
  readonly precision: number | null;
  /** NUMERIC_SCALE: DECIMAL scale, and the fixed decimals of FLOAT(M,D)/DOUBLE(M,D); null otherwise. */
  readonly scale: number | null;
  /** DATETIME_PRECISION of TIME/DATETIME/TIMESTAMP (0–6), null otherwise. */
  readonly fsp: number | null;
  /** CHARACTER_MAXIMUM_LENGTH (characters for text, bytes for BINARY/VARBINARY), null otherwise. */
  readonly length: number | null;
  readonly enumValues: readonly string[] | null;
  readonly setValues: readonly string[] | null;
  /** TINYINT(1) (MySQL's BOOL/BOOLEAN), which `tinyint1: boolean` turns into true/false. */
  readonly isTinyint1: boolean;
  /** CHARACTER_SET_NAME (utf8mb4, latin1…), null for non-text and binary columns. */
  readonly charset: string | null;
  readonly nullable: boolean;
}

/** The columns of one table, in ordinal order, and its primary key (null when it has none). */
export interface TableColumns {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly ColumnType[];
  readonly primaryKey: readonly string[] | null;
}

/** A mysql2/promise Connection, PoolConnection or Pool. */
export type Queryable = Pick<mysql.Connection, 'query'>;

/** One INFORMATION_SCHEMA.COLUMNS row (the fields this module reads). */
export interface InformationSchemaColumn {
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  NUMERIC_PRECISION: number | string | null;
  NUMERIC_SCALE: number | string | null;
  DATETIME_PRECISION: number | string | null;
  CHARACTER_MAXIMUM_LENGTH: number | string | null;
  CHARACTER_SET_NAME: string | null;
  IS_NULLABLE: string;
}

const num = (v: number | string | null | undefined): number | null =>
  v === null || v === undefined || v === '' ? null : Number(v);

/**
 * Values of an ENUM/SET definition as INFORMATION_SCHEMA prints it: `enum('a','it''s','x,y')`. Quotes are
 * doubled inside values; backslash escapes are honoured too (servers print a backslash as '\\').
 */
export function parseEnumValues(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const values: string[] = [];
  let i = open + 1;
  while (i > 0 && i < columnType.length) {
    const quote = columnType[i];
    if (quote !== "'" && quote !== '"') break;
    let value = '';
    i++;
    for (; i < columnType.length; i++) {
      const ch = columnType[i]!;
      if (ch === '\\' && i + 1 < columnType.length) {
        const next = columnType[++i]!;
        value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === '0' ? '\0' : next;
      } else if (ch === quote) {
        if (columnType[i + 1] === quote) {
          value += quote;
          i++;
        } else break;
      } else value += ch;
    }
    values.push(value);
    i++; // closing quote
    if (columnType[i] === ',') i++;
  }
  return values;
}

/** Builds a descriptor from an INFORMATION_SCHEMA.COLUMNS row; `isJson` marks MariaDB's JSON alias. */
export function columnTypeFromInformationSchema(row: InformationSchemaColumn, isJson = false): ColumnType {
  const columnType = String(row.COLUMN_TYPE).toLowerCase();
  const dataType = String(row.DATA_TYPE).toLowerCase();
  const type = isJson ? 'json' : dataType;
  return {
    name: row.COLUMN_NAME,
    type,
    columnType,
    unsigned: /\bunsigned\b/.test(columnType),
    precision: num(row.NUMERIC_PRECISION),
    scale: dataType === 'float' || dataType === 'double' ? floatScale(columnType) : num(row.NUMERIC_SCALE),
    fsp: num(row.DATETIME_PRECISION),
    length: num(row.CHARACTER_MAXIMUM_LENGTH),
    enumValues: dataType === 'enum' ? parseEnumValues(columnType) : null,
    setValues: dataType === 'set' ? parseEnumValues(columnType) : null,
    isTinyint1: dataType === 'tinyint' && columnType.startsWith('tinyint(1)'),
    charset: row.CHARACTER_SET_NAME ?? null,
    nullable: String(row.IS_NULLABLE).toUpperCase() === 'YES',
  };
}

/** FLOAT(M,D)/DOUBLE(M,D) are printed with exactly D decimals; plain FLOAT/DOUBLE have no scale. */
function floatScale(columnType: string): number | null {
  const m = /^(?:float|double(?: precision)?|real)\(\d+,(\d+)\)/.exec(columnType);
  return m ? Number(m[1]) : null;
}

/**
 * A descriptor for a column the mapping was not told about (added by ALTER TABLE since the last
 * refresh): converted best effort, see convert.ts.
 */
export function unknownColumn(name: string): ColumnType {
  return {
    name,
    type: 'unknown',
    columnType: 'unknown',
    unsigned: false,
    precision: null,
    scale: null,
    fsp: null,
    length: null,
    enumValues: null,
    setValues: null,
    isTinyint1: false,
    charset: null,
    nullable: true,
  };
}

/**
 * Reads the column descriptors and primary key of `database.table`. Throws when the table does not
 * exist (no columns). MariaDB's JSON columns are recognised by their `json_valid(col)` CHECK constraint.
 */
export async function readTableColumns(
  db: Queryable,
  database: string,
  table: string,
): Promise<TableColumns> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION,
            CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, IS_NULLABLE
       FROM INFORMATION_SCHEMA.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  if (rows.length === 0) throw new Error(`table ${database}.${table} not found (no columns)`);
  const jsonColumns = await readJsonCheckColumns(db, database, table);
  const [keyRows] = await db.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'
      ORDER BY SEQ_IN_INDEX`,
    [database, table],
  );
  return {
    database,
    table,
    columns: rows.map((r) =>
      columnTypeFromInformationSchema(
        r as unknown as InformationSchemaColumn,
        jsonColumns.has(r.COLUMN_NAME),
      ),
    ),
    primaryKey: keyRows.length > 0 ? keyRows.map((r) => String(r.COLUMN_NAME)) : null,
  };
}

/** Columns constrained by `json_valid(col)` (MariaDB's JSON type); empty where the view does not exist. */
async function readJsonCheckColumns(db: Queryable, database: string, table: string): Promise<Set<string>> {
  const out = new Set<string>();
  try {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT CHECK_CLAUSE FROM INFORMATION_SCHEMA.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`,
      [database, table],
    );
    for (const r of rows) {
      const m = /^\s*json_valid\(\s*`((?:[^`]|``)+)`\s*\)\s*$/i.exec(String(r.CHECK_CLAUSE));
      if (m) out.add(m[1]!.replaceAll('``', '`'));
    }
  } catch {
    // MySQL < 8.0.16 has no CHECK_CONSTRAINTS view; its JSON columns say DATA_TYPE 'json' anyway.
  }
  return out;
}
