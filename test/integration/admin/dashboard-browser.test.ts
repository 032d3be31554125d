import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, ServiceHarness, sleep } from './service-harness.js';

/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the
 * real service: live pipeline numbers while a writer runs, a faceted product search, a dead-letter replay.
 * Screenshots go to test-artifacts/.
 */
const CHROMIUM = '/usr/bin/chromium';

// What the page functions below use of the browser's globals (the project compiles without the DOM lib).
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): PageElement | null };
declare const sessionStorage: { getItem(key: string): string | null };
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const h = new ServiceHarness({
  products: 400,
  extraTables: ['gadgets'],
  setup: 'CREATE TABLE gadgets (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)',
});
let profile: string;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'syncline-chromium-'));
  await h.start();
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // a refused token is an expected 401 in the network log; anything else is a bug (CSP included)
    if (m.type() === 'error' && !m.text().includes('401')) pageErrors.push(`console: ${m.text()}`);
  });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h.cleanup();
});

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';
const count = (s: string) => Number(s.replace(/[^0-9.-]/g, ''));

describe('dashboard (headless Chromium)', () => {
  it('asks for the admin token once, refuses a wrong one, then shows live pipeline numbers while a writer runs', async () => {
    await page.goto(h.url('/ui/'));
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.fill('#token-input', 'not-the-token');
    await page.click('#token-form button');
    await page.locator('#token-error').filter({ hasText: '401' }).waitFor();
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-form button');

    const card = page.locator(`article[data-pipeline="${h.pipeline}"]`);
    await card.waitFor();
    await page
      .locator(`[data-pipeline="${h.pipeline}"] [data-field="state"]`)
      .filter({ hasText: 'running' })
      .waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('syncline.adminToken'))).toBe(ADMIN_TOKEN);
    const eventsIn = `[data-pipeline="${h.pipeline}"] [data-field="events-in"]`;
    await page.waitForFunction(
      (sel) => Number(document.querySelector(sel)?.textContent?.replace(/\D/g, '')) >= 400,
      eventsIn,
    );
    const before = count(await text(eventsIn));

    // a writer: inserts and updates for a few seconds; the page polls the admin API every second
    let writing = true;
    let id = 5_000_000;
    const writer = (async () => {
      while (writing) {
        await h.pool.query(
          'INSERT INTO products (id, name, price, category_id, status) VALUES (?, ?, ?, ?, ?)',
          [id++, `live product ${id}`, '19.90', 1 + (id % 5), 'active'],
        );
        await sleep(50);
      }
    })();
    try {
      const seen: number[] = [before];
      for (let i = 0; i < 3; i++) {
        await page.waitForFunction(
          ({ sel, last }) => Number(document.querySelector(sel)?.textContent?.replace(/\D/g, '')) > last,
          { sel: eventsIn, last: seen[seen.length - 1]! },
          { timeout: 15_000 },
        );
        seen.push(count(await text(eventsIn)));
      }
      // three successive increases observed on screen while the writer ran
      expect(seen[3]!).toBeGreaterThan(seen[2]!);
      expect(seen[2]!).toBeGreaterThan(seen[1]!);
      expect(seen[1]!).toBeGreaterThan(before);
      const rateIn = await eventually(async () => {
        const v = count(await text(`[data-pipeline="${h.pipeline}"] [data-field="rate-in"]`));
        return v > 0 ? v : undefined;
      }, 15_000);
      expect(rateIn).toBeGreaterThan(0);
      await shot('pipelines');
    } finally {
      writing = false;
      await writer;
    }
    expect((await h.converge('products')).missing).toEqual([]);
  });

  it('searches products and narrows by a category facet; totals match the facet count and SQL', async () => {
    await page.goto(h.url('/ui/#search'));
    await page.locator('#results li').first().waitFor();
    const firstFacet = page.locator('[data-facet="category"] label').first();
    const categoryId = Number(await firstFacet.getAttribute('data-category-id'));
    const facetCount = Number(await firstFacet.getAttribute('data-count'));
    const [[{ n: sqlCount }]] = (await h.pool.query(
      'SELECT COUNT(*) AS n FROM products WHERE category_id = ?',
      [categoryId],
    )) as unknown as [[{ n: number }]];
    expect(facetCount).toBe(Number(sqlCount));
    const allTotal = Number(await page.locator('#search-summary').getAttribute('data-total'));
    expect(allTotal).toBe(await h.rowCount('products'));
    expect(facetCount).toBeLessThan(allTotal);

    await firstFacet.locator('input').check();
    await page.waitForFunction(
      (n) => document.querySelector('#search-summary')?.getAttribute('data-total') === String(n),
      facetCount,
    );
    const items = page.locator('#results li');
    expect(await items.count()).toBe(Math.min(10, facetCount));
    // every hit is in the chosen category, whose name the result line shows
    const name = (await firstFacet.locator('.facet-name').textContent())!;
    for (const line of await items.locator('.muted').allTextContents())
      expect(line.startsWith(name)).toBe(true);
    // the price facet now counts within the category only
    const priceCounts = (await page
      .locator('[data-facet="price"] label')
      .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-count'))))) as number[];
    expect(priceCounts.reduce((a, b) => a + b, 0)).toBe(facetCount);

    // full text within the filter
    await page.fill('#search-q', 'live');
    await page.click('#search-form button');
    await page.waitForFunction(
      (n) => Number(document.querySelector('#search-summary')?.getAttribute('data-total')) < n,
      facetCount,
    );
    const [[{ n: liveInCategory }]] = (await h.pool.query(
      "SELECT COUNT(*) AS n FROM products WHERE category_id = ? AND name LIKE 'live product %'",
      [categoryId],
    )) as unknown as [[{ n: number }]];
    expect(Number(await page.locator('#search-summary').getAttribute('data-total'))).toBe(
      Number(liveInCategory),
    );
    await page.fill('#search-q', '');
    await page.click('#search-form button');
    await page.waitForFunction(
      (n) => document.querySelector('#search-summary')?.getAttribute('data-total') === String(n),
      facetCount,
    );
    await shot('search');
  });

  it('lists a dead letter from a mapping conflict; after the fix, Replay lands the document and removes it', async () => {
    await h.pool.query("INSERT INTO gadgets VALUES (1, 'fine')");
    await h.converge('gadgets');
    await h.search.request('PUT', `/${h.index('gadgets')}/_mapping`, { dynamic: 'strict' });
    await h.pool.query('ALTER TABLE gadgets ADD COLUMN colour VARCHAR(20) NULL');
    await h.pool.query("INSERT INTO gadgets VALUES (7, 'refused at first', 'teal')");

    await page.goto(h.url('/ui/#dead-letters'));
    await page.locator(`#dlq-pipeline option[value="${h.pipeline}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#dlq-pipeline', h.pipeline);
    const row = page.locator('tr[data-dlq]').filter({ hasText: h.index('gadgets') });
    await eventually(
      async () => {
        await page.click('#dlq-refresh');
        return (await row.count()) > 0;
      },
      30_000,
      500,
    );
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('strict_dynamic_mapping_exception');
    await shot('dead-letters');

    // fix the mapping, then replay from the page
    const fix = await h.search.request('PUT', `/${h.index('gadgets')}/_mapping`, {
      properties: { colour: { type: 'keyword' } },
    });
    expect(fix.status).toBe(200);
    await row.locator('button[data-replay]').click();
    await row.waitFor({ state: 'detached' });
    await page.locator('.toast').filter({ hasText: 'replayed 1' }).waitFor();
    await h.search.request('POST', `/${h.index('gadgets')}/_refresh`);
    const doc = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${h.index('gadgets')}/_doc/7`,
    );
    expect(doc.status).toBe(200);
    expect(doc.body._source).toMatchObject({ name: 'refused at first', colour: 'teal' });
    const [left] = await h.pool.query('SELECT COUNT(*) AS n FROM syncline.dead_letters WHERE pipeline = ?', [
      h.pipeline,
    ]);
    expect(Number((left as Array<{ n: number }>)[0]!.n)).toBe(0);
    await shot('dead-letters-replayed');
  });

  it('runs a reconcile from the page and shows its findings: a document deleted behind its back, then repaired', async () => {
    const idx = h.index('products');
    const [[victim]] = (await h.pool.query('SELECT id FROM products ORDER BY id LIMIT 1')) as unknown as [
      [{ id: number }],
    ];
    expect((await h.search.request('DELETE', `/${idx}/_doc/${victim.id}?refresh=true`)).status).toBe(200);
    await page.goto(h.url('/ui/#reconcile'));
    await page.click('#reconcile-run');
    const row = page.locator(`#reconcile-results tr[data-index="${idx}"]`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-drift')).toBe('1');
    expect((await row.locator('td').nth(1).textContent())?.trim()).toBe('1'); // missing
    await shot('reconcile-drift');

    await page.click('#reconcile-repair');
    await page.waitForFunction(
      (i) =>
        document.querySelector(`#reconcile-results tr[data-index="${i}"]`)?.getAttribute('data-drift') ===
        '0',
      idx,
      { timeout: 60_000 },
    );
    expect(await row.textContent()).toContain('repaired');
    const doc = await h.search.request('GET', `/${idx}/_doc/${victim.id}`);
    expect(doc.status).toBe(200);
    await shot('reconcile-repaired');
  });

  it('renders without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
