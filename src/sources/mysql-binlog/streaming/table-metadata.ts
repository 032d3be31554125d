import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * What the binlog does not say about a table: its key (unless binlog_row_metadata=FULL carried it) and,
 * on MariaDB, which LONGTEXT columns are JSON. Answers come from INFORMATION_SCHEMA, cached per table
 * until DDL on it calls invalidate().
 */
export interface TableMetadata {
  /**
   * Key columns (the document `_id`): configured keyColumns, else `fromBinlog` (the primary key the
   * TableMap event carried, exact as of the row's write time), else the primary key in
   * INFORMATION_SCHEMA. Empty when the table has no usable key.
   */
  keyColumns(
    database: string,
    table: string,
    fromBinlog: readonly string[] | undefined,
  ): Promise<readonly string[]>;
  /**
   * Columns declared JSON. MariaDB's JSON is LONGTEXT + CHECK (json_valid(col)): the binlog carries text,
   * while a SELECT through mysql2 returns the parsed value; streamed rows are parsed to match.
   */
  jsonColumns(database: string, table: string): Promise<readonly string[]>;
  /** Forget what is cached for a table (after DDL on it); a table of '*' forgets the whole database. */
  invalidate(database: string, table: string): void;
}

/** `database.table` → key columns, from the mappings' `keyColumns` (for tables without a primary key). */
export type ConfiguredKeys = Readonly<Record<string, readonly string[]>>;

interface Cached {
  readonly primaryKey: readonly string[];
  readonly json: readonly string[];
}

const JSON_CHECK = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

export class InformationSchemaMetadata implements TableMetadata {
  private readonly cache = new Map<string, Promise<Cached>>();

  constructor(
    private readonly pool: Pool,
    private readonly configured: ConfiguredKeys = {},
  ) {}

  async keyColumns(
    database: string,
    table: string,
    fromBinlog: readonly string[] | undefined,
  ): Promise<readonly string[]> {
    const configured = this.configured[`${database}.${table}`];
    if (configured && configured.length > 0) return configured;
    if (fromBinlog && fromBinlog.length > 0) return fromBinlog;
    return (await this.get(database, table)).primaryKey;
  }

  async jsonColumns(database: string, table: string): Promise<readonly string[]> {
    return (await this.get(database, table)).json;
  }

  invalidate(database: string, table: string): void {
    if (table === '*') {
      for (const k of this.cache.keys()) if (k.startsWith(`${database}.`)) this.cache.delete(k);
    } else {
      this.cache.delete(`${database}.${table}`);
    }
  }

  private get(database: string, table: string): Promise<Cached> {
    const name = `${database}.${table}`;
    let hit = this.cache.get(name);
    if (!hit) {
      hit = this.lookup(database, table);
      // A failed look-up is not cached: the next row retries it.
      hit.catch(() => this.cache.delete(name));
      this.cache.set(name, hit);
    }
    return hit;
  }

  private async lookup(database: string, table: string): Promise<Cached> {
    const [pk] = await this.pool.query<RowDataPacket[]>(
      `SELECT COLUMN_NAME AS c FROM INFORMATION_SCHEMA.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
      [database, table],
    );
    let json: string[] = [];
    try {
      const [checks] = await this.pool.query<RowDataPacket[]>(
        `SELECT CHECK_CLAUSE AS c FROM INFORMATION_SCHEMA.CHECK_CONSTRAINTS
          WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND LEVEL = 'Column'`,
        [database, table],
      );
      json = checks.flatMap((r) => {
        const m = JSON_CHECK.exec(String(r.c).trim());
        return m ? [m[1]!.replace(/``/g, '`')] : [];
      });
    } catch {
      // MySQL (no LEVEL column; native JSON is decoded by zongji already) or an older server.
    }
    return { primaryKey: pk.map((r) => String(r.c)), json };
  }
}
