import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineStatus } from '../../../src/admin/pipeline-status.js';
import { ProductSearch } from '../../../src/catalog/search/product-search.js';
import { seedDemoCatalog } from '../../../src/demo/demo-catalog.js';
import { DEMO_PRODUCT_RELATIONS, demoMappings, demoPipelines } from '../../../src/demo/profile.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { indexDocuments } from './catalog-fixture.js';

/**
 * The demo catalog's product documents embed their category (with its parent) and their tags from the
 * product_tags join table; a category rename reaches every product of it. Expected values are rendered
 * here with a JOIN, not by the mapping code.
 */
const h = new Harness({ tables: [] });
const index = () => `${h.db}_products`;
type Doc = Record<string, unknown>;

async function expected(): Promise<Map<string, Doc>> {
  const [rows] = (await h.clients.db.query(
    `SELECT p.id, c.id AS c_id, c.name AS c_name, c.slug AS c_slug, g.id AS g_id, g.name AS g_name,
            gg.id AS gg_id, gg.name AS gg_name,
            CONCAT_WS(' > ', gg.name, g.name, c.name) AS c_path
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
       LEFT JOIN categories g ON g.id = c.parent_id LEFT JOIN categories gg ON gg.id = g.parent_id`,
  )) as unknown as [Doc[]];
  const [tags] = (await h.clients.db.query(
    'SELECT pt.product_id, t.id, t.name FROM product_tags pt JOIN tags t ON t.id = pt.tag_id ORDER BY t.id',
  )) as unknown as [Doc[]];
  const out = new Map<string, Doc>();
  for (const r of rows)
    out.set(String(r.id), {
      category:
        r.c_id === null
          ? null
          : {
              id: r.c_id,
              name: r.c_name,
              slug: r.c_slug,
              path: r.c_path,
              parent:
                r.g_id === null
                  ? null
                  : {
                      id: r.g_id,
                      name: r.g_name,
                      parent: r.gg_id === null ? null : { id: r.gg_id, name: r.gg_name },
                    },
            },
      tagged: [],
    });
  for (const t of tags) (out.get(String(t.product_id))!.tagged as Doc[]).push({ id: t.id, name: t.name });
  return out;
}

/** Products whose embedded category and tags differ from the rendering (until equal or the timeout). */
async function differences(timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const want = await expected();
    const got = await indexDocuments(h.search, index()).catch(() => new Map<string, Doc>());
    const bad = [...want].filter(([id, doc]) => {
      const d = got.get(id);
      return (
        !d ||
        JSON.stringify(sortKeys({ category: d.category, tagged: d.tagged })) !== JSON.stringify(sortKeys(doc))
      );
    });
    if (bad.length > 0 && Date.now() > deadline)
      console.log('[demo] first difference', JSON.stringify(bad[0]), JSON.stringify(got.get(bad[0]![0])));
    if (bad.length === 0 || Date.now() > deadline) return bad.map(([id]) => id);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Keys sorted; the Chinese-text enrichment (`<field>_zh`, issue 18, tested on its own) left out. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as Doc)
        .filter((k) => !k.endsWith('_zh'))
        .sort()
        .map((k) => [k, sortKeys((v as Doc)[k])]),
    );
  return v;
}

beforeAll(async () => {
  await h.createDatabase();
  await seedDemoCatalog(h.clients.db, { products: 300, users: 5 });
  // a third level: the group 数码 Digital under a new top category
  await h.exec("INSERT INTO categories (name, slug) VALUES ('全部 All', 'all')");
  await h.exec(
    "UPDATE categories SET parent_id = (SELECT id FROM (SELECT id FROM categories WHERE slug = 'all') a) WHERE slug = 'digital'",
  );
  h.config.mappings.push({
    table: `${h.db}.products`,
    index: index(),
    relations: DEMO_PRODUCT_RELATIONS,
  } as never);
  await h.start();
});
afterAll(async () => {
  await h.cleanup();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
});

describe('demo products built with their category and tags', () => {
  it('the demo profile maps products with the relations and captures the join tables', () => {
    expect(demoMappings().find((m) => m.index === 'products')?.relations).toHaveLength(2);
    expect(demoPipelines()[0]!.source.tables).toEqual(
      expect.arrayContaining(['syncline_demo.tags', 'syncline_demo.product_tags']),
    );
  });

  it('every product embeds its category path and tags; a category rename reaches all its products', async () => {
    expect(await differences()).toEqual([]);
    const [[{ n }]] = (await h.clients.db.query(
      'SELECT COUNT(*) AS n FROM products WHERE category_id = 2',
    )) as unknown as [[{ n: number }]];
    expect(Number(n)).toBeGreaterThan(5);
    const [[{ path }]] = (await h.clients.db.query(
      `SELECT CONCAT_WS(' > ', gg.name, g.name, c.name) AS path FROM categories c
         JOIN categories g ON g.id = c.parent_id JOIN categories gg ON gg.id = g.parent_id WHERE c.id = 1`,
    )) as unknown as [[{ path: string }]];
    expect(path).toBe('全部 All > 数码 Digital > 手机 Phones'); // the seeded tree, three levels
    await h.exec("UPDATE categories SET name = '手机 Smartphones' WHERE id = 2");
    await h.exec("UPDATE categories SET name = '数码产品 Digital' WHERE slug = 'digital'"); // parent of 1–4
    await h.exec("UPDATE categories SET name = '所有 Everything' WHERE slug = 'all'"); // its parent
    await h.exec("UPDATE tags SET name = 'hot deal' WHERE name = 'sale'");
    await h.exec('DELETE FROM product_tags WHERE product_id = 1');
    expect(await differences()).toEqual([]);
    const docs = await indexDocuments(h.search, index());
    const renamed = [...docs.values()].filter(
      (d) => (d.category as { name?: string } | null)?.name === '手机 Smartphones',
    );
    expect(renamed).toHaveLength(Number(n));
    // the admin API's pipeline status shows the rebuilds (snapshot + the rename's fan-out)
    const status = pipelineStatus(h.runner!.all()[0]!);
    expect(status.relations).toEqual([
      expect.objectContaining({ index: index(), fanOutActive: false, rootsRebuilt: expect.any(Number) }),
    ]);
    expect(status.relations[0]!.rootsRebuilt).toBeGreaterThanOrEqual(300 + Number(n));
    expect(status.relations[0]!.fanOutPages).toBeGreaterThan(0);
  });

  it('the product search filters and facets by the embedded category name and by tag', async () => {
    const search = new ProductSearch(h.search, {
      index: index(),
      timeoutMs: 5000,
      cache: { ttlMs: 0, maxEntries: 1 },
      defaultSize: 20,
      priceRanges: [100, 1000],
      categoryFacetSize: 50,
    });
    const [rows] = (await h.clients.db.query(
      `SELECT c.name, COUNT(*) AS n FROM products p JOIN categories c ON c.id = p.category_id GROUP BY c.name`,
    )) as unknown as [Array<{ name: string; n: number }>];
    const r = await search.search({ category_name: ['手机 Smartphones'], size: 1 });
    expect(r.total).toBe(Number(rows.find((x) => x.name === '手机 Smartphones')!.n));
    expect(new Map(r.facets!.category_names.map((f) => [f.name, f.count]))).toEqual(
      new Map(rows.map((x) => [x.name, Number(x.n)])),
    );
    // tags from the join table (the built document's `tagged`), not the products.tags JSON column: the
    // renamed tag 'hot deal' exists only there
    const [byTag] = (await h.clients.db.query(
      'SELECT t.name, COUNT(*) AS n FROM product_tags pt JOIN tags t ON t.id = pt.tag_id GROUP BY t.name',
    )) as unknown as [Array<{ name: string; n: number }>];
    const all = await search.search({ size: 1 });
    expect(new Map(all.facets!.tags.map((t) => [t.tag, t.count]))).toEqual(
      new Map(byTag.map((x) => [x.name, Number(x.n)])),
    );
    const hot = byTag.find((x) => x.name === 'hot deal')!;
    expect(Number(hot.n)).toBeGreaterThan(0);
    expect((await search.search({ tags: ['hot deal'], size: 1 })).total).toBe(Number(hot.n));
    expect((await search.search({ tags: ['sale'], size: 1 })).total).toBe(0); // the old name is gone
    const [[{ n: both }]] = (await h.clients.db.query(
      `SELECT COUNT(*) AS n FROM products p WHERE p.category_id = 2 AND EXISTS
         (SELECT 1 FROM product_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.product_id = p.id AND t.name = 'hot deal')`,
    )) as unknown as [[{ n: number }]];
    expect(
      (await search.search({ category_name: ['手机 Smartphones'], tags: ['hot deal'], size: 1 })).total,
    ).toBe(Number(both));
  });
});
