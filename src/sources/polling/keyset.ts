import { quoteId } from '../mysql-binlog/table-patterns.js';

/**
 * `(c1, c2, …) > (?, ?, …)` expanded into `c1 > ? OR (c1 = ? AND c2 > ?) OR …`: MariaDB's optimizer uses
 * a range on the (tracking column, primary key) index for this form, not for the row constructor.
 */
export function keysetAfter(columns: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const eq = columns.slice(0, i).map((c) => `${quoteId(c)} = ?`);
    parts.push(`(${[...eq, `${quoteId(columns[i]!)} > ?`].join(' AND ')})`);
  }
  return `(${parts.join(' OR ')})`;
}

/** The arguments of keysetAfter for one cursor (each prefix repeated). */
export function keysetArgs(values: readonly unknown[]): unknown[] {
  const args: unknown[] = [];
  for (let i = 0; i < values.length; i++) args.push(...values.slice(0, i + 1));
  return args;
}

export interface PageQuery {
  readonly database: string;
  readonly table: string;
  /** Tracking column, then the key columns: the keyset order. */
  readonly order: readonly string[];
  /** Cursor (exclusive): values of `order`, or only the tracking value (inclusive rescan start). */
  readonly after: readonly unknown[] | null;
  /** Inclusive lower bound on the tracking column alone (rescan window), instead of `after`. */
  readonly from?: unknown;
  /** Inclusive upper bound on the tracking column (now − safety lag); undefined: none. */
  readonly upTo?: unknown;
  readonly limit: number;
}

/** SELECT of one keyset page: rows after the cursor, up to the lag bound, in (tracking, key) order. */
export function pageSql(q: PageQuery): { sql: string; values: unknown[] } {
  const tracking = quoteId(q.order[0]!);
  const where = [`${tracking} IS NOT NULL`];
  const values: unknown[] = [];
  if (q.from !== undefined) {
    where.push(`${tracking} >= ?`);
    values.push(q.from);
  } else if (q.after) {
    where.push(keysetAfter(q.order));
    values.push(...keysetArgs(q.after));
  }
  if (q.upTo !== undefined) {
    where.push(`${tracking} <= ?`);
    values.push(q.upTo);
  }
  const sql =
    `SELECT * FROM ${quoteId(q.database)}.${quoteId(q.table)} WHERE ${where.join(' AND ')}` +
    ` ORDER BY ${q.order.map(quoteId).join(', ')} LIMIT ${Math.floor(q.limit)}`;
  return { sql, values };
}
