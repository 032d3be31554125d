import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../../helpers/pipeline-harness.js';
import { converge, RELATIONS, SETUP, seed, summary } from './catalog-fixture.js';

/**
 * Product documents built from six tables by a real binlog pipeline: after the snapshot and after each
 * kind of change to a related row they equal the rendering of catalog-fixture.ts (JOIN queries).
 */
const h = new Harness({ tables: [], setup: SETUP });
const index = () => `${h.db}_products`;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db);
  h.config.mappings.push({
    table: `${h.db}.products`,
    index: index(),
    relations: RELATIONS,
  } as unknown as (typeof h.config.mappings)[number]);
  await h.start();
});
afterAll(async () => {
  await h.cleanup();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
});

const check = async (what: string) => {
  const t0 = Date.now();
  const d = await converge(h.clients.db, h.db, h.search, index(), 30_000);
  console.log(`[relations] ${what}: converged in ${Date.now() - t0} ms`);
  expect(summary(d), what).toEqual({ missing: 0, extra: 0, different: 0, first: undefined });
};

describe('documents built from several tables', () => {
  it('the snapshot builds every product with its category path, warehouse, skus and tags', async () => {
    await check('snapshot');
  });

  it('a change to any related row rebuilds the products that embed it', async () => {
    const x = (sql: string, v?: unknown[]) => h.exec(sql.replaceAll('§', h.db), v);
    await x("UPDATE §.categories SET name = 'renamed 3' WHERE id = 3"); // many-to-one, fan-out
    await x("UPDATE §.categories SET name = 'root renamed' WHERE id = 1"); // second level
    await x('UPDATE §.categories SET parent_id = 2 WHERE id = 7'); // path moves
    await x("UPDATE §.warehouses SET city = 'Pudong' WHERE country = 'CN' AND code = 'SH1'"); // composite key
    await x('UPDATE §.skus SET product_id = 5 WHERE id = 1'); // FK move: old and new parent
    await x("UPDATE §.skus SET code = 'changed' WHERE id = 2");
    await x('DELETE FROM §.skus WHERE id = 3');
    await x("INSERT INTO §.skus VALUES (9001, 4, 'new')");
    await x("UPDATE §.tags SET name = 'hot' WHERE id = 2"); // many-to-many target
    await x('INSERT INTO §.product_tags VALUES (1, 9)'); // join row
    await x('DELETE FROM §.product_tags WHERE product_id = 2');
    await x('UPDATE §.products SET category_id = 11 WHERE id = 6'); // root row moves
    await check('related row changes');
  });

  it('cascaded deletes (not in the binlog) and a TRUNCATE of a child table still end right', async () => {
    const x = (sql: string, v?: unknown[]) => h.exec(sql.replaceAll('§', h.db), v);
    await x('DELETE FROM §.tags WHERE id = 4'); // ON DELETE CASCADE removes its links silently
    await x('DELETE FROM §.categories WHERE id = 12'); // ON DELETE SET NULL on products, silently
    await x('DELETE FROM §.products WHERE id = 10'); // its skus and links cascade
    await check('cascades');
    await x('TRUNCATE TABLE §.skus');
    await check('truncate of a child table');
  });
});
