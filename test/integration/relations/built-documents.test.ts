import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reconcile } from '../../../src/ops/reconcile/reconcile.js';
import { reindex } from '../../../src/ops/reindex/reindex.js';
import { snapshotTestHooks } from '../../../src/sources/mysql-binlog/snapshotting-source.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { opsFor, withoutBinlog } from '../ops/helpers.js';
import { runningBulkIds, slowBulk } from '../sink/support.js';
import { converge, indexDocuments, RELATIONS, SETUP, seed, summary } from './catalog-fixture.js';

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
  // a table related to itself: each category embeds its parent
  h.config.mappings.push({
    table: `${h.db}.categories`,
    index: `${h.db}_categories`,
    relations: [RELATIONS[0]!.relations![0]],
  } as unknown as (typeof h.config.mappings)[number]);
  await h.start();
});
afterAll(async () => {
  await h.cleanup();
  for (const v of ['v1', 'v2']) await h.search.request('DELETE', `/${index()}_${v}`).catch(() => {});
  await h.search.request('DELETE', `/${h.db}_categories_v1`).catch(() => {});
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
    // and the categories index: category 6 embeds its parent 1 as it is before the rename below
    const deadline = Date.now() + 20_000;
    let six = (await indexDocuments(h.search, `${h.db}_categories`).catch(() => new Map())).get('6');
    while (six?.parent?.name !== 'cat 1' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      six = (await indexDocuments(h.search, `${h.db}_categories`).catch(() => new Map())).get('6');
    }
    expect(six).toEqual({ id: 6, name: 'cat 6', parent_id: 1, parent: { id: 1, name: 'cat 1' } });
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
    // the categories index: a renamed parent reaches its children's documents (self-reference)
    const [rows] = (await h.clients.db.query(
      `SELECT c.id, c.name, c.parent_id, p.id AS p_id, p.name AS p_name FROM ${h.db}.categories c
         LEFT JOIN ${h.db}.categories p ON p.id = c.parent_id`,
    )) as unknown as [Array<Record<string, unknown>>];
    const want = new Map(
      rows.map((r) => [
        String(r.id),
        {
          id: r.id,
          name: r.name,
          parent_id: r.parent_id,
          parent: r.p_id === null ? null : { id: r.p_id, name: r.p_name },
        },
      ]),
    );
    const deadline = Date.now() + 20_000;
    let got = await indexDocuments(h.search, `${h.db}_categories`);
    while (JSON.stringify([...got].sort()) !== JSON.stringify([...want].sort()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      got = await indexDocuments(h.search, `${h.db}_categories`);
    }
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  });

  it('cascaded deletes (MariaDB: not in the binlog; MySQL: in it) and a TRUNCATE of a child table still end right', async () => {
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
    // the new index keeps the relations' explicit mapping (skus is `nested`; it was dynamic before)
    const mapping = await h.search.request<
      Record<string, { mappings: { properties: Record<string, { type?: string }> } }>
    >('GET', `/${index()}_v2/_mapping`);
    expect(mapping.body[`${index()}_v2`]!.mappings.properties.skus!.type).toBe('nested');
    await check('after reindex');
    await search('DELETE', `/${index()}_v1`);
  });

  it('a category deleted while a reindex fills leaves none of its products in the new index', async () => {
    // the fill is held inside a chunk window of products once product 16 has been copied (nothing else
    // writes the new index now) and long before product 200: there the category is deleted. On MariaDB
    // its products lose category 16 silently (ON DELETE SET NULL, not in the binlog), so only the
    // reindex's own tail pipeline, looking the category up in the new index, can take it out
    const products = `${h.db}.products`;
    let read = 0;
    let atDelete: { copied16: number; copied200: number } | undefined;
    snapshotTestHooks.insideWindow = async ({ table, rows }) => {
      if (table !== products) return;
      if (read >= 16 && !atDelete) {
        // keys are read in order, one chunk at a time: product 16 was in an earlier, emitted chunk
        const deadline = Date.now() + 30_000;
        let copied16 = (await h.search.request('GET', `/${index()}_v3/_doc/16`)).status;
        while (copied16 !== 200 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
          copied16 = (await h.search.request('GET', `/${index()}_v3/_doc/16`)).status;
        }
        await h.exec(`DELETE FROM ${h.db}.categories WHERE id = 16`);
        atDelete = { copied16, copied200: (await h.search.request('GET', `/${index()}_v3/_doc/200`)).status };
      }
      read += rows;
    };
    let report: Awaited<ReturnType<typeof reindex>>;
    try {
      report = await reindex(opsFor(h), { index: index(), chunkSize: 5 });
    } finally {
      snapshotTestHooks.insideWindow = undefined;
    }
    expect(atDelete, 'the delete landed while the fill ran').toEqual({ copied16: 200, copied200: 404 });
    expect(report.to).toBe(`${index()}_v3`);
    await check('category deleted during a reindex');
    await search('DELETE', `/${index()}_v2`);
  });

  it("a restarted worker waits for its predecessor's _bulk still running in the engine before it starts", async () => {
    await h.stop();
    // the predecessor's last request: held by the engine for 5 s (a replica that a one-node cluster never
    // gets), then failed there, writing nothing
    await h.search.request('PUT', `/${index()}/_settings`, { index: { number_of_replicas: 1 } });
    try {
      const held = slowBulk(h.search, index(), 5, 'predecessor');
      await vi.waitFor(async () => expect(await runningBulkIds(h.search, index())).toHaveLength(1), {
        timeout: 10_000,
        interval: 50,
      });
      await h.start();
      // start() returned only once the engine was done with it
      expect(await runningBulkIds(h.search, index())).toEqual([]);
      await held;
    } finally {
      await h.search.request('PUT', `/${index()}/_settings`, { index: { number_of_replicas: 0 } });
    }
    await h.exec(`UPDATE ${h.db}.categories SET name = 'after the restart' WHERE id = 2`);
    await check('after a restart that waited for its predecessor');
  });
});

const search = (method: 'DELETE', path: string) => h.search.request(method, path).catch(() => {});
