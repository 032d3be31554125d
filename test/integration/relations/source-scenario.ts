import type { Pool } from 'mysql2/promise';
import { expect } from 'vitest';
import type { SearchClient } from '../../../src/sinks/search/client.js';
import { converge, RELATIONS, SETUP, summary } from './catalog-fixture.js';

/**
 * The catalog of catalog-fixture.ts for the sources that read rows rather than the binlog (polling, the
 * outbox) and for the Kafka path: every table gets a tracking column (polling pulls each related table
 * too), which no document carries, and the warehouse relation names its fields so it stays out.
 */
export const TRACKED_SETUP = `${SETUP}
${['categories', 'warehouses', 'products', 'skus', 'tags', 'product_tags']
  .map(
    (t) =>
      `ALTER TABLE ${t} ADD COLUMN updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), ADD KEY (updated_at);`,
  )
  .join('\n')}`;

export const TRACKED_TABLES = ['categories', 'warehouses', 'products', 'skus', 'tags', 'product_tags'];

/** The product mapping of the fixture, without the tracking columns. */
export function productMapping(db: string, index: string): Record<string, unknown> {
  return {
    table: `${db}.products`,
    index,
    exclude: ['updated_at'],
    relations: RELATIONS.map((r) => (r.field === 'warehouse' ? { ...r, include: ['city'] } : r)),
  };
}

/** One row change: the statement, and the outbox row an application would write in its transaction. */
export interface RowChange {
  readonly sql: string;
  readonly table: string;
  readonly key: Record<string, unknown>;
  readonly op: 'c' | 'u' | 'd';
  /** Runs in the transaction of the change before it. */
  readonly together?: boolean;
}

const change = (
  sql: string,
  table: string,
  key: Record<string, unknown>,
  op: RowChange['op'],
  together = false,
): RowChange => ({ sql, table, key, op, ...(together && { together }) });

/**
 * Each kind of related-row change: update, insert, delete, a foreign key moving, the root moving. The
 * child-row changes touch products (15, 20, 30, 35, 40, 50, 55) that no other change here rebuilds, so
 * each must reach its roots on its own.
 */
export const RELATED_CHANGES: readonly RowChange[] = [
  change("UPDATE §.categories SET name = 'renamed 3' WHERE id = 3", 'categories', { id: 3 }, 'u'),
  change("UPDATE §.categories SET name = 'root renamed' WHERE id = 1", 'categories', { id: 1 }, 'u'),
  change('UPDATE §.categories SET parent_id = 2 WHERE id = 7', 'categories', { id: 7 }, 'u'),
  change(
    "UPDATE §.warehouses SET city = 'Pudong' WHERE country = 'CN' AND code = 'SH1'",
    'warehouses',
    { country: 'CN', code: 'SH1' },
    'u',
  ),
  change('UPDATE §.skus SET product_id = 20 WHERE id = 15', 'skus', { id: 15 }, 'u'), // FK move
  change("UPDATE §.skus SET code = 'changed' WHERE id = 30", 'skus', { id: 30 }, 'u'),
  change('DELETE FROM §.skus WHERE id = 35', 'skus', { id: 35 }, 'd'),
  change("INSERT INTO §.skus (id, product_id, code) VALUES (9001, 40, 'new')", 'skus', { id: 9001 }, 'c'),
  change("UPDATE §.tags SET name = 'hot' WHERE id = 2", 'tags', { id: 2 }, 'u'),
  change(
    'INSERT INTO §.product_tags (product_id, tag_id) VALUES (55, 9)',
    'product_tags',
    { product_id: 55, tag_id: 9 },
    'c',
  ),
  change(
    'DELETE FROM §.product_tags WHERE product_id = 50 AND tag_id = 10',
    'product_tags',
    { product_id: 50, tag_id: 10 },
    'd',
  ),
  change('UPDATE §.products SET category_id = 11 WHERE id = 6', 'products', { id: 6 }, 'u'),
];

/** Parent deletes whose children go with them by ON DELETE CASCADE / SET NULL (no trigger, no event). */
export const CASCADING_DELETES: readonly RowChange[] = [
  change('DELETE FROM §.tags WHERE id = 4', 'tags', { id: 4 }, 'd'), // its links cascade
  change('DELETE FROM §.categories WHERE id = 12', 'categories', { id: 12 }, 'd'), // products SET NULL
  change('DELETE FROM §.products WHERE id = 10', 'products', { id: 10 }, 'd'), // its skus and links
  // deleted (its products SET NULL) and created again in one transaction: a source that reads rows as they
  // are now sees the category still there — its old products must lose it all the same
  change('DELETE FROM §.categories WHERE id = 13', 'categories', { id: 13 }, 'd'),
  change(
    "INSERT INTO §.categories (id, name, parent_id) VALUES (13, 'cat 13 again', 3)",
    'categories',
    { id: 13 },
    'c',
    true,
  ),
];

/**
 * Runs the changes one transaction each (a change marked `together` joins the one before); `alongside`
 * adds statements to the transaction (the outbox row).
 */
export async function apply(
  pool: Pool,
  db: string,
  changes: readonly RowChange[],
  alongside?: (c: RowChange) => { sql: string; params: unknown[] },
): Promise<void> {
  const transactions: RowChange[][] = [];
  for (const c of changes)
    if (c.together && transactions.length > 0) transactions[transactions.length - 1]!.push(c);
    else transactions.push([c]);
  for (const t of transactions) {
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      for (const c of t) {
        await conn.query(c.sql.replaceAll('§', db));
        const extra = alongside?.(c);
        if (extra) await conn.query(extra.sql, extra.params);
      }
      await conn.commit();
    } finally {
      conn.release();
    }
  }
}

/** Waits (bounded) until the product index equals the test's JOIN rendering; fails with the first drift. */
export async function expectConverged(
  pool: Pool,
  db: string,
  search: SearchClient,
  index: string,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const t0 = Date.now();
  const d = await converge(pool, db, search, index, timeoutMs);
  console.log(`[relations] ${what}: converged in ${Date.now() - t0} ms`);
  expect(summary(d), what).toEqual({ missing: 0, extra: 0, different: 0, first: undefined });
}
