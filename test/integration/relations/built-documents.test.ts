import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/ops/reconcile/reconcile.js';
import { reindex } from '../../../src/ops/reindex/reindex.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { opsFor, withoutBinlog } from '../ops/helpers.js';
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
  for (const v of ['v1', 'v2']) await h.search.request('DELETE', `/${index()}_${v}`).catch(() => {});
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

  it('reconcile fingerprints the built documents, finds a change the pipeline never saw, and repair rebuilds', async () => {
    const clean = await reconcile(opsFor(h), { target: index(), chunkSize: 50, settleTimeoutMs: 10_000 });
    expect(clean.indexes[0]).toMatchObject({ missing: 0, extra: 0, stale: 0 });
    // a rename outside the binlog: every product of category 5 or of its subcategories embeds a stale name
    await withoutBinlog(h.db, "UPDATE categories SET name = 'unseen rename' WHERE id = 5");
    const [[{ n }]] = (await h.clients.db.query(
      `SELECT COUNT(*) AS n FROM ${h.db}.products p JOIN ${h.db}.categories c ON c.id = p.category_id WHERE c.id = 5 OR c.parent_id = 5`,
    )) as unknown as [[{ n: number }]];
    expect(Number(n)).toBeGreaterThan(0);
    const found = await reconcile(opsFor(h), { target: index(), chunkSize: 50, settleTimeoutMs: 10_000 });
    expect(found.indexes[0]).toMatchObject({ missing: 0, extra: 0, stale: Number(n) });
    const fixed = await reconcile(opsFor(h), {
      target: index(),
      repair: true,
      chunkSize: 50,
      settleTimeoutMs: 10_000,
    });
    expect(fixed.indexes[0]!.repair).toMatchObject({ indexed: Number(n), remaining: 0 });
    await check('after repair');
  });

  it('reindex builds the documents into the new index and keeps them fresh until the swap', async () => {
    const x = (sql: string) => h.exec(sql.replaceAll('§', h.db));
    const writes = (async () => {
      for (let i = 0; i < 20; i++) {
        await x(`UPDATE §.tags SET name = 'tag during reindex ${i}' WHERE id = ${(i % 9) + 1}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const report = await reindex(opsFor(h), { index: index(), chunkSize: 50 });
    await writes;
    expect(report.to).toBe(`${index()}_v2`);
    await check('after reindex');
    await search('DELETE', `/${index()}_v1`);
  });
});

const search = (method: 'DELETE', path: string) => h.search.request(method, path).catch(() => {});
