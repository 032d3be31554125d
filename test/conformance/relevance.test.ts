import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogDataSource } from '../../src/catalog/data-source.js';
import { CURATED_PRODUCTS, seedCuratedProducts } from '../../src/demo/curated-products.js';
import { seedDemoCatalog } from '../../src/demo/demo-catalog.js';
import { DEMO_DATABASE, demoMappings } from '../../src/demo/profile.js';
import { DEMO_ACCESSORY_TERMS, DEMO_SYNONYMS } from '../../src/demo/synonyms.js';
import { buildApp } from '../../src/server/app.js';
import { Harness } from '../helpers/pipeline-harness.js';
import { testConfig } from '../helpers/stack.js';
import { ENGINE, engineReady } from './engine.js';
import { formatTable, type QueryScores, type Summary, scoreQuery, summarize } from './relevance-metrics.js';

/**
 * The judged relevance set (issue 18, docs/relevance.md) on the project's engine: the curated products
 * only (no generated filler, so the judgments are complete) go into a fresh database, the demo's products
 * mapping (category and tags embedded) carries them through a real binlog pipeline, and every judged
 * query runs through GET /api/products/search. Scores come from the judgments and our own metric code
 * (relevance-metrics.ts); a hit is named by its curated key through its name, nothing else.
 */
interface JudgedQuery {
  id: string;
  q: string;
  class: string;
  relevant: string[];
}

const SET = JSON.parse(
  readFileSync(new URL('../fixtures/relevance/queries.json', import.meta.url), 'utf8'),
) as { queries: JudgedQuery[] };

/** Hits fetched per query: recall counts relevant products among these. */
const FETCH = 50;

/**
 * Fails below these macro averages: a guard against regressions, not the goal. Raised on 2026-12-03 to a
 * little below the measurement after the issue 18 tuning (one-way synonyms, accessory demotion, parts of
 * a word in one field; docs/relevance.md#figures): P@10 0.975 / recall 0.982 / nDCG@10 0.981 on
 * OpenSearch 2.19 and 3, 0.974 / 0.982 / 0.980 on Elasticsearch 8 and 9. (First honest measurements,
 * before any tuning: 0.979 / 0.370 / 0.421 on OpenSearch, 0.974 / 0.401 / 0.455 on Elasticsearch.) The
 * issue aims at recall ≥ 0.95 at precision ≥ 0.95.
 */
const THRESHOLDS: Record<typeof ENGINE, { precision: number; recall: number; ndcg: number }> = {
  'opensearch-2': { precision: 0.965, recall: 0.97, ndcg: 0.97 },
  'opensearch-3': { precision: 0.965, recall: 0.97, ndcg: 0.97 },
  'elasticsearch-8': { precision: 0.965, recall: 0.97, ndcg: 0.97 },
  'elasticsearch-9': { precision: 0.965, recall: 0.97, ndcg: 0.97 },
};

const keyByName = new Map(CURATED_PRODUCTS.map((p) => [p.name, p.key]));
let h: Harness;
let app: FastifyInstance;
let catalogDb: DataSource;

beforeAll(async () => {
  await engineReady();
  // the demo's synonym groups and accessory terms, as a demo run applies them (the config names no servers there)
  h = new Harness({
    tables: ['products'],
    config: {
      api: {
        productsIndex: 'set-below',
        rateLimit: { max: 0 },
        synonyms: DEMO_SYNONYMS.map((g) => [...g]),
        accessoryTerms: [...DEMO_ACCESSORY_TERMS],
      },
    },
  });
  const alias = h.index('products');
  (h.config.api as { productsIndex: string }).productsIndex = alias;
  // every query is asked once; no answer may come from a cache either way
  (h.config.api.searchCache as { ttlMs: number }).ttlMs = 0;
  // the products mapping exactly as the demo profile declares it, moved to this test's database and index
  const demo = demoMappings().find((m) => m.table === `${DEMO_DATABASE}.products`)!;
  h.config.mappings = testConfig({
    mappings: [{ ...demo, table: `${h.db}.products`, index: alias }],
  }).mappings;
  await h.createDatabase();
  // the demo seed with no generated products: categories, tags and the curated products (one user row,
  // the seed inserts users in one statement)
  await seedDemoCatalog(h.clients.db, { products: 0, users: 1 });
  expect(await seedCuratedProducts(h.clients.db), 'the demo seed inserted every curated product').toBe(0);
  await h.start();
  expect(await notYetIndexed(alias, 120_000)).toEqual([]);
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
  await h?.cleanup();
});

/**
 * Curated products not (yet) searchable as the demo builds them — by name, with their category embedded —
 * polled until none is left or the timeout. (The harness's table/index diff does not know embedded rows.)
 */
async function notYetIndexed(alias: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await h.search
      .request<{ hits: { hits: Array<{ _source: { name?: string; category?: { slug?: string } } }> } }>(
        'POST',
        `/${alias}/_search`,
        { size: 1000, _source: ['name', 'category.slug'] },
      )
      .catch(() => undefined);
    const got = new Map((r?.status === 200 ? r.body.hits.hits : []).map((d) => [d._source.name, d._source]));
    const missing = CURATED_PRODUCTS.filter((p) => got.get(p.name)?.category?.slug !== p.category).map(
      (p) => p.key,
    );
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await new Promise((res) => setTimeout(res, 300));
  }
}

async function rankedKeys(q: string): Promise<string[]> {
  const qs = new URLSearchParams({ q, size: String(FETCH), facets: 'false', highlight: 'false' });
  const r = await app.inject({ url: `/api/products/search?${qs}` });
  expect(r.statusCode, `${q}: ${r.body}`).toBe(200);
  const body = JSON.parse(r.body) as { items: Array<{ name?: unknown }> };
  return body.items.map((item) => {
    const key = keyByName.get(String(item.name));
    if (key === undefined) throw new Error(`${q}: a hit that is no curated product: ${String(item.name)}`);
    return key;
  });
}

describe(`relevance of the catalog search on ${ENGINE}`, () => {
  it('the judged set names curated products only, each query with at least one', () => {
    const keys = new Set(CURATED_PRODUCTS.map((p) => p.key));
    expect(SET.queries.length).toBeGreaterThanOrEqual(150);
    for (const j of SET.queries) {
      expect(j.relevant.length, j.q).toBeGreaterThan(0);
      expect(
        j.relevant.filter((k) => !keys.has(k)),
        j.q,
      ).toEqual([]);
    }
  });

  it(`scores every judged query (precision@10, recall@${FETCH}, nDCG@10) at or above the thresholds`, async () => {
    const byClass = new Map<string, QueryScores[]>();
    const all: QueryScores[] = [];
    const misses: string[] = [];
    for (const j of SET.queries) {
      const ranked = await rankedKeys(j.q);
      const s = scoreQuery(ranked, new Set(j.relevant));
      all.push(s);
      byClass.set(j.class, [...(byClass.get(j.class) ?? []), s]);
      if (s.recall < 1 || s.precision < 1) {
        const missing = j.relevant.filter((k) => !ranked.includes(k));
        const wrong = ranked.slice(0, 10).filter((k) => !j.relevant.includes(k));
        misses.push(
          `${j.id} [${j.class}] ${j.q}: P ${s.precision.toFixed(2)} R ${s.recall.toFixed(2)} hits ${s.hits}` +
            `${missing.length ? ` missing ${missing.join(' ')}` : ''}${wrong.length ? ` wrong ${wrong.join(' ')}` : ''}`,
        );
      }
    }
    const rows: Array<[string, Summary]> = [...byClass].map(([c, s]) => [c, summarize(s)]);
    const overall = summarize(all);
    rows.push(['all', overall]);
    console.log(
      `relevance on ${ENGINE} (${SET.queries.length} judged queries, ${CURATED_PRODUCTS.length} products)\n${formatTable(rows)}`,
    );
    console.log(`queries below 1.0:\n${misses.join('\n')}`);
    const min = THRESHOLDS[ENGINE];
    expect(overall.precision).toBeGreaterThanOrEqual(min.precision);
    expect(overall.recall).toBeGreaterThanOrEqual(min.recall);
    expect(overall.ndcg).toBeGreaterThanOrEqual(min.ndcg);
  });
});
