import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogDataSource } from '../../src/catalog/data-source.js';
import { demoProduct, ensureDemoSchema } from '../../src/demo/demo-catalog.js';
import { CATEGORIES, rng } from '../../src/demo/seed-data.js';
import { reconcile } from '../../src/ops/reconcile/reconcile.js';
import { reindex } from '../../src/ops/reindex/reindex.js';
import { buildApp } from '../../src/server/app.js';
import { clean, Harness } from '../helpers/pipeline-harness.js';
import { uniqueName } from '../helpers/stack.js';
import { opsFor } from '../integration/ops/helpers.js';
import { ENGINE, ENGINE_URL, engineReady, IS_ELASTICSEARCH } from './engine.js';

/**
 * The catalog on the project's engine, through the real code paths: a binlog pipeline creates the
 * products index (alias over `_v1`, the default analysis) and fills it; the API searches it (facets,
 * highlighting, search_after cursors) and ingests logs (index template, daily indices); reconcile finds
 * what was changed behind the pipeline's back; reindex builds `_v2` from the database (never `_reindex`)
 * and moves the alias. Every expectation is computed from SQL over the same rows.
 */
const PRODUCTS = 240;
let h: Harness;
let app: FastifyInstance;
let catalogDb: DataSource;
let alias: string;
const logPrefix = `${uniqueName('conf_logs')}-`;

beforeAll(async () => {
  await engineReady();
  h = new Harness({
    tables: ['products'],
    config: {
      api: { productsIndex: 'set-below', logs: { indexPrefix: logPrefix }, rateLimit: { max: 0 } },
    },
  });
  alias = h.index('products');
  (h.config.api as { productsIndex: string }).productsIndex = alias;
  // searches compare with SQL right after writes: no answers from the search cache (its TTL is its own test's)
  (h.config.api.searchCache as { ttlMs: number }).ttlMs = 0;
  expect(h.config.search.url).toBe(ENGINE_URL);
  await h.createDatabase();
  await ensureDemoSchema(h.clients.db);
  await h.exec('INSERT INTO categories (name, slug) VALUES ?', [CATEGORIES.map((c) => [c.name, c.slug])]);
  const r = rng(11);
  const rows = Array.from({ length: PRODUCTS }, () => demoProduct(r));
  await h.exec(
    'INSERT INTO products (name, description, price, category_id, tags, stock, status, created_at) VALUES ?',
    [
      rows.map((p, i) => [
        p.name,
        p.description,
        p.price,
        p.category_id,
        p.tags,
        p.stock,
        p.status,
        new Date(Date.UTC(2025, 0, 1) + ((i * 7919) % PRODUCTS) * 60_000)
          .toISOString()
          .replace('T', ' ')
          .replace('Z', ''),
      ]),
    ],
  );
  await h.start();
  expect(clean(await h.converge('products'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  catalogDb = await createCatalogDataSource(h.config).initialize();
  app = await buildApp({
    config: h.config,
    db: catalogDb,
    search: h.search,
    logger: pino({ level: 'silent' }),
    readiness: { pipelines: () => [] },
  });
}, 360_000);

afterAll(async () => {
  await app?.close();
  await catalogDb?.destroy();
  if (!h) return;
  await h.search.request('DELETE', `/${alias}_v2`).catch(() => {});
  await h.search.request('DELETE', `/${logPrefix}*`).catch(() => {});
  await h.search
    .request('DELETE', `/_index_template/syncline-${logPrefix.replace(/-$/, '')}`)
    .catch(() => {});
  await h.exec('DELETE FROM syncline.reindex_history WHERE alias = ?', [alias]).catch(() => {});
  await h.cleanup();
});

interface SearchBody {
  total: number;
  items: Array<{ id: number; highlight?: Record<string, string[]> }>;
  next_cursor: string | null;
  facets?: {
    categories: Array<{ category_id: number; count: number }>;
    price_ranges: Array<{ key: string; count: number }>;
  };
}

async function search(qs: string): Promise<SearchBody> {
  const r = await app.inject({ url: `/api/products/search?${qs}` });
  expect(r.statusCode, r.body).toBe(200);
  return JSON.parse(r.body) as SearchBody;
}

/** Every hit through next_cursor (search_after); each id exactly once. */
async function collect(qs: string, size = 23): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const r = await search(`${qs}&facets=false&size=${size}${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...r.items.map((i) => Number(i.id)));
    cursor = r.next_cursor;
    if (!cursor) {
      expect(ids.length).toBe(r.total);
      break;
    }
  }
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

async function sqlIds(where: string, order = 'id'): Promise<number[]> {
  const rows = (await h.exec(`SELECT id FROM products WHERE ${where} ORDER BY ${order}`)) as Array<{
    id: string | number;
  }>;
  return rows.map((r) => Number(r.id));
}

const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
const wordHas = (w: string) => `(name REGEXP '\\\\b${w}\\\\b' OR description REGEXP '\\\\b${w}\\\\b')`;

describe(`catalog conformance on ${ENGINE}`, () => {
  it('creates the mapped index as an alias over <name>_v1 with text fields analysed and a keyword subfield', async () => {
    const a = await h.search.request<Record<string, unknown>>('GET', `/_alias/${alias}`);
    expect(Object.keys(a.body)).toEqual([`${alias}_v1`]);
    const m = await h.search.request<
      Record<string, { mappings: { properties: Record<string, { type: string; fields?: unknown }> } }>
    >('GET', `/${alias}/_mapping`);
    const props = m.body[`${alias}_v1`]!.mappings.properties;
    expect(props.name).toMatchObject({ type: 'text', fields: { keyword: { type: 'keyword' } } });
    // DECIMAL(10,2): scaled_float where the engine has mapper-extras, else the documented double fallback
    expect(props.price!.type).toBe(IS_ELASTICSEARCH ? 'double' : 'scaled_float');
    const tokens = await h.search.request<{ tokens: Array<{ token: string }> }>(
      'POST',
      `/${alias}/_analyze`,
      { field: 'name', text: 'Noise CANCELLING' },
    );
    expect(tokens.status).toBe(200);
    expect(tokens.body.tokens.map((t) => t.token)).toEqual(['noise', 'cancelling']);
  });

  it('searches: English words equal SQL, cursors page every hit once in price order, hits are highlighted', async () => {
    for (const w of ['laptop', 'headphones']) {
      const ids = await collect(`q=${w}`);
      expect(sorted(ids)).toEqual(await sqlIds(wordHas(w)));
    }
    const byPrice = await collect('sort=price_asc&category=2&category=3', 17);
    expect(byPrice).toEqual(await sqlIds('category_id IN (2, 3)', 'price, id'));
    const newest = await collect('sort=newest&status=active', 50);
    expect(newest).toEqual(await sqlIds(`status = 'active'`, 'created_at DESC, id DESC'));
    const hl = await search('q=laptop&size=5&highlight=true');
    expect(hl.items.length).toBeGreaterThan(0);
    for (const hit of hl.items)
      expect([...(hit.highlight?.name ?? []), ...(hit.highlight?.description ?? [])].join(' ')).toMatch(
        /<em>laptop<\/em>/i,
      );
  });

  it('facets count like SQL, each ignoring its own filter', async () => {
    const r = await search('status=active&category=1&price_min=100&price_max=5000');
    const cats = (await h.exec(
      `SELECT category_id AS c, COUNT(*) AS n FROM products
       WHERE status = 'active' AND price BETWEEN 100 AND 5000 GROUP BY category_id`,
    )) as Array<{ c: number; n: number }>;
    expect(new Map(r.facets!.categories.map((f) => [f.category_id, f.count]))).toEqual(
      new Map(cats.map((c) => [Number(c.c), Number(c.n)])),
    );
    const inCat1 = await sqlIds(`status = 'active' AND category_id = 1`);
    expect(r.facets!.price_ranges.reduce((s, f) => s + f.count, 0)).toBe(inCat1.length);
    expect(r.total).toBe(
      (await sqlIds(`status = 'active' AND category_id = 1 AND price BETWEEN 100 AND 5000`)).length,
    );
  });

  it('ingests logs through the index template into daily indices and pages them by cursor', async () => {
    const records = Array.from({ length: 30 }, (_, i) => ({
      ts: new Date(Date.UTC(2025, 2, 1 + (i % 2), 10, i)).toISOString(),
      level: i % 3 === 0 ? 'error' : 'info',
      service: 'conformance',
      message: `record ${i}`,
    }));
    const w = await app.inject({ method: 'POST', url: '/api/logs', payload: records });
    expect(w.statusCode, w.body).toBe(200);
    expect(JSON.parse(w.body)).toEqual({ written: 30, rejected: [] });
    const tpl = await h.search.request('GET', `/_index_template/syncline-${logPrefix.replace(/-$/, '')}`);
    expect(tpl.status).toBe(200);
    const mapping = await h.search.request('GET', `/${logPrefix}2025.03.01/_mapping`);
    expect(JSON.stringify(mapping.body)).toContain('"level":{"type":"keyword"}');
    await h.search.request('POST', `/${logPrefix}*/_refresh`);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r = await app.inject({
        url: `/api/logs/search?service=conformance&size=7${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(r.statusCode, r.body).toBe(200);
      const body = JSON.parse(r.body) as { items: Array<{ message: string }>; next_cursor: string | null };
      seen.push(...body.items.map((i) => i.message));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(new Set(seen).size).toBe(30);
  });

  it('reconcile finds documents removed and altered behind the pipeline', async () => {
    for (const id of ['5', '6'])
      expect((await h.search.request('DELETE', `/${alias}/_doc/${id}`)).status).toBe(200);
    const tampered = await h.search.request('POST', `/${alias}/_update/7`, { doc: { name: 'tampered' } });
    expect(tampered.status).toBe(200);
    const r = await reconcile(opsFor(h), { target: alias, chunkSize: 100, settleTimeoutMs: 10_000 });
    const ix = r.indexes[0]!;
    expect(ix.samples.missing.sort()).toEqual(['5', '6']);
    expect(ix.samples.stale).toEqual(['7']);
    expect(ix.extra).toBe(0);
    const repaired = await reconcile(opsFor(h), { target: alias, repair: true, settleTimeoutMs: 10_000 });
    expect(repaired.indexes[0]!.missing).toBe(2);
    expect(clean(await h.converge('products'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('reindexes into <alias>_v2 from the database and moves the alias while the pipeline keeps writing', async () => {
    await h.exec(`UPDATE products SET name = 'before reindex laptop' WHERE id = 1`);
    const report = await reindex(opsFor(h), { index: alias, chunkSize: 100 });
    expect(report).toMatchObject({ from: `${alias}_v1`, to: `${alias}_v2`, deadLetters: 0 });
    expect(report.rows).toBe(PRODUCTS);
    const a = await h.search.request<Record<string, unknown>>('GET', `/_alias/${alias}`);
    expect(Object.keys(a.body)).toEqual([`${alias}_v2`]);
    await h.exec(`UPDATE products SET name = 'after reindex laptop' WHERE id = 2`);
    await h.exec('DELETE FROM products WHERE id = 3');
    expect(clean(await h.converge('products'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(sorted(await collect('q=laptop'))).toEqual(await sqlIds(wordHas('laptop')));
  });
});
