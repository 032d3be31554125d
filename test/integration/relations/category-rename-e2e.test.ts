import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, ServiceHarness } from '../admin/service-harness.js';

/**
 * A category rename through the catalog API (PATCH /api/categories/:id) and through the dashboard's
 * rename button reaches every product document that embeds the category — its name, and the path of
 * the products of its subcategories — in the real `syncline run` service. Expected values come from
 * SQL here; the wait is bounded.
 */
const h = new ServiceHarness({ products: 600, relations: true });
const index = () => h.index('products');
const RENAME_BOUND_MS = 30_000;

beforeAll(async () => {
  await h.start();
});
afterAll(async () => {
  await h.cleanup();
});

/** Products of the category (SQL). */
async function productsOf(categoryId: number): Promise<number> {
  const [[{ n }]] = (await h.pool.query('SELECT COUNT(*) AS n FROM products WHERE category_id = ?', [
    categoryId,
  ])) as unknown as [[{ n: number }]];
  return Number(n);
}

/** Documents of the index matching a term on a keyword field, after a refresh. */
async function countDocs(field: string, value: string | number): Promise<number> {
  await h.search.request('POST', `/${index()}/_refresh`);
  const r = await h.search.request<{ count: number }>('POST', `/${index()}/_count`, {
    query: { term: { [field]: value } },
  });
  return r.body.count;
}

/** True once every product of the category shows `name` (and none of its products shows another). */
async function everyProductShows(categoryId: number, name: string): Promise<boolean> {
  const want = await productsOf(categoryId);
  await h.search.request('POST', `/${index()}/_refresh`);
  const r = await h.search.request<{ count: number }>('POST', `/${index()}/_count`, {
    query: {
      bool: {
        filter: [{ term: { category_id: categoryId } }, { term: { 'category.name.keyword': name } }],
      },
    },
  });
  return want > 0 && r.body.count === want;
}

async function category(id: number): Promise<{ id: number; name: string; updated_at: string }> {
  const r = await h.call<{ id: number; name: string; updated_at: string }>('GET', `/api/categories/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe('a category rename reaches its products (API and dashboard)', () => {
  it('the snapshot builds every product with its category name and path', async () => {
    const total = await h.rowCount('products');
    const built = await eventually(
      async () => (await countDocs('category.id', 1)) === (await productsOf(1)),
      60_000,
    );
    expect(built).toBe(true);
    const [[{ path }]] = (await h.pool.query(
      `SELECT CONCAT_WS(' > ', g.name, c.name) AS path FROM categories c LEFT JOIN categories g ON g.id = c.parent_id WHERE c.id = 1`,
    )) as unknown as [[{ path: string }]];
    expect(path).toBe('数码 Digital > 手机 Phones');
    expect(
      await eventually(
        async () => (await countDocs('category.path.keyword', path)) === (await productsOf(1)),
      ),
    ).toBe(true);
    expect(await eventually(async () => (await h.docCount('products')) === total)).toBe(true);
  });

  it('PATCH /api/categories/:id: every product of it shows the new name within the bound; the search API filters by it', async () => {
    const before = await category(2);
    const renamed = '电脑 Computers (renamed by API)';
    const r = await h.call('PATCH', '/api/categories/2', {
      body: { name: renamed, updated_at: before.updated_at },
    });
    expect(r.status).toBe(200);
    const t0 = Date.now();
    expect(await eventually(() => everyProductShows(2, renamed), RENAME_BOUND_MS, 200)).toBe(true);
    console.log(`[rename] API rename of ${await productsOf(2)} products visible after ${Date.now() - t0} ms`);
    // the catalog search API (its cache expires within 2 s)
    const total = await eventually(async () => {
      const s = await h.call<{ total: number }>(
        'GET',
        `/api/products/search?category_name=${encodeURIComponent(renamed)}&size=1`,
      );
      return s.body.total === (await productsOf(2)) ? s.body.total : 0;
    }, 10_000);
    expect(total).toBe(await productsOf(2));
    // a parent renamed: the path of the products of every subcategory
    const group = (await h.pool.query("SELECT id FROM categories WHERE slug = 'digital'")) as unknown as [
      Array<{ id: number }>,
    ];
    const gid = group[0][0]!.id;
    const g = await category(gid);
    const p = await h.call('PATCH', `/api/categories/${gid}`, {
      body: { name: '数码产品 Digital', updated_at: g.updated_at },
    });
    expect(p.status).toBe(200);
    const [[{ n: inGroup }]] = (await h.pool.query(
      'SELECT COUNT(*) AS n FROM products p JOIN categories c ON c.id = p.category_id WHERE c.parent_id = ?',
      [gid],
    )) as unknown as [[{ n: number }]];
    const paths = async () => {
      await h.search.request('POST', `/${index()}/_refresh`);
      const res = await h.search.request<{ count: number }>('POST', `/${index()}/_count`, {
        query: { prefix: { 'category.path.keyword': '数码产品 Digital > ' } },
      });
      return res.body.count === Number(inGroup);
    };
    expect(await eventually(paths, RENAME_BOUND_MS, 200)).toBe(true);
  });

  it("the dashboard's rename button renames through the API; its products follow", async () => {
    const profile = mkdtempSync(join(tmpdir(), 'syncline-chromium-'));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
      });
      await context.addInitScript((t) => sessionStorage.setItem('syncline.adminToken', t), ADMIN_TOKEN);
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(h.url('/ui/#search'));
      await page.locator('[data-rename-category="3"]').waitFor();
      const renamed = '耳机 Earphones (renamed in the dashboard)';
      page.once('dialog', (d) => void d.accept(renamed));
      await page.locator('[data-rename-category="3"]').click();
      const t0 = Date.now();
      expect(await eventually(async () => (await category(3)).name === renamed, 10_000)).toBe(true);
      expect(await eventually(() => everyProductShows(3, renamed), RENAME_BOUND_MS, 200)).toBe(true);
      console.log(`[rename] dashboard rename visible in all products after ${Date.now() - t0} ms`);
      // the facet shows the new name
      await page.waitForFunction(
        (n) => document.querySelector('[data-category-id="3"] .facet-name')?.textContent === n,
        renamed,
      );
      expect(errors).toEqual([]);
    } finally {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

declare const sessionStorage: { setItem(key: string, value: string): void };
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
