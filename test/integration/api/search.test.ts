import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../src/catalog/search/cursor.js';
import { demoProduct } from '../../../src/demo/demo-catalog.js';
import { rng } from '../../../src/demo/seed-data.js';
import { buildApp } from '../../../src/server/app.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { type ApiHarness, startApi } from './harness.js';

/**
 * Search against a test index with the catalog's analysis (standard tokenizer + cjk_width + lowercase +
 * cjk_bigram, text fields with .keyword subfields), filled from the test database with _bulk + refresh,
 * every expectation cross-checked with SQL over the same rows.
 */
let h: ApiHarness;
const CRAFTED = [
  {
    name: '华为手机 Mate 60',
    description: '旗舰智能手机，超长续航',
    price: '5999.00',
    category_id: 1,
    tags: ['5G', 'premium'],
  },
  {
    name: '华为笔记本电脑 MateBook',
    description: 'A thin laptop by Huawei',
    price: '6999.00',
    category_id: 2,
    tags: ['new'],
  },
  {
    name: 'Sony WH-1000XM5',
    description: 'noise cancelling headphones 降噪耳机',
    price: '2499.00',
    category_id: 3,
    tags: ['sale'],
  },
];

beforeAll(async () => {
  h = await startApi({ api: { searchCache: { ttlMs: 60_000, maxEntries: 100 }, maxPageSize: 100 } });
  const r = rng(7);
  const rows = [
    ...CRAFTED.map((c) => ({ ...c, tags: JSON.stringify(c.tags), stock: 1, status: 'active' })),
    ...Array.from({ length: 800 }, () => demoProduct(r)),
  ];
  // distinct whole-second created_at values in shuffled order, so "newest" has no ties in SQL or the engine
  const seconds = rows.map((_, i) => i).sort(() => r() - 0.5);
  await h.sql.query(
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
        new Date(Date.UTC(2025, 0, 1) + seconds[i]! * 60_000)
          .toISOString()
          .replace('T', ' ')
          .replace('Z', ''),
      ]),
    ],
  );
  const index = h.config.api.productsIndex;
  const created = await h.search.request('PUT', `/${index}`, {
    settings: {
      number_of_shards: 1,
      number_of_replicas: 0,
      analysis: {
        filter: { bigram_unigrams: { type: 'cjk_bigram', output_unigrams: true } },
        analyzer: {
          text_index: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['cjk_width', 'lowercase', 'bigram_unigrams'],
          },
          text_search: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['cjk_width', 'lowercase', 'cjk_bigram'],
          },
        },
      },
    },
    mappings: {
      dynamic_templates: [
        {
          strings: {
            match_mapping_type: 'string',
            mapping: {
              type: 'text',
              analyzer: 'text_index',
              search_analyzer: 'text_search',
              fields: { keyword: { type: 'keyword', ignore_above: 256 } },
            },
          },
        },
      ],
      properties: {
        id: { type: 'long' },
        price: { type: 'scaled_float', scaling_factor: 100 },
        category_id: { type: 'long' },
        stock: { type: 'long' },
        status: { type: 'keyword' },
        version: { type: 'long' },
        created_at: { type: 'date' },
        updated_at: { type: 'date' },
      },
    },
  });
  expect(created.status).toBe(200);
  const [all] = await h.sql.query('SELECT * FROM products');
  const lines = (all as Array<Record<string, unknown>>).flatMap((row) => {
    const tags = (typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags) as string[] | null;
    return [
      JSON.stringify({ index: { _index: index, _id: String(row.id) } }),
      JSON.stringify({
        ...row,
        id: Number(row.id),
        tags,
        // the JSON column's search copy, as the mapping writes it (docs/mapping.md#json-columns)
        tags_values: tags === null ? null : [...tags].sort(),
        // the tags as the demo's built document embeds them (from product_tags; here the row's own tags)
        tagged: (tags ?? []).map((name, i) => ({ id: i + 1, name })),
        created_at: `${String(row.created_at).replace(' ', 'T')}Z`,
        updated_at: `${String(row.updated_at).replace(' ', 'T')}Z`,
      }),
    ];
  });
  const bulk = await h.search.request<{ errors: boolean }>(
    'POST',
    '/_bulk?refresh=true',
    `${lines.join('\n')}\n`,
    {
      contentType: 'application/x-ndjson',
    },
  );
  expect(bulk.body.errors).toBe(false);
});

afterAll(async () => {
  await h?.close();
});

type Hit = { id: number; price: string; score: number | null; highlight?: Record<string, string[]> };
interface SearchBody {
  total: number;
  items: Hit[];
  next_cursor: string | null;
  facets?: {
    categories: Array<{ category_id: number; count: number }>;
    price_ranges: Array<{ key: string; count: number }>;
  };
}

async function search(qs: string) {
  const r = await h.app.inject({ url: `/api/products/search?${qs}` });
  return { status: r.statusCode, body: JSON.parse(r.body) as SearchBody, headers: r.headers };
}

/** Every hit, following next_cursor; fails on a repeated id (each hit exactly once). */
async function collect(qs: string, size = 37): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  let total = -1;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await search(`${qs}&facets=false&size=${size}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    total = r.body.total;
    ids.push(...r.body.items.map((i) => Number(i.id)));
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(total);
  return ids;
}

async function sqlIds(where: string, params: unknown[] = [], order = 'id'): Promise<number[]> {
  const [rows] = await h.sql.query(`SELECT id FROM products WHERE ${where} ORDER BY ${order}`, params);
  return (rows as Array<{ id: string }>).map((r) => Number(r.id));
}

const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
const textHas = (word: string) => `(name LIKE '%${word}%' OR description LIKE '%${word}%')`;
const wordHas = (word: string) =>
  `(name REGEXP '\\\\b${word}\\\\b' OR description REGEXP '\\\\b${word}\\\\b')`;

describe('full text', () => {
  it('Chinese: 手机 finds exactly the rows containing 手机', async () => {
    const ids = await collect('q=手机');
    expect(ids.length).toBeGreaterThan(10);
    expect(sorted(ids)).toEqual(await sqlIds(textHas('手机')));
  });

  it('Chinese, two terms: 华为 手机 needs both (in name or description)', async () => {
    const ids = await collect(`q=${encodeURIComponent('华为 手机')}`);
    expect(ids.length).toBeGreaterThan(0);
    expect(sorted(ids)).toEqual(await sqlIds(`${textHas('华为')} AND ${textHas('手机')}`));
  });

  it('English words, case-insensitive', async () => {
    const laptop = await collect('q=Laptop');
    expect(laptop.length).toBeGreaterThan(10);
    expect(sorted(laptop)).toEqual(await sqlIds(wordHas('laptop')));
    const two = await collect(`q=${encodeURIComponent('NOISE cancelling')}`);
    expect(sorted(two)).toEqual(await sqlIds(`${wordHas('noise')} AND ${wordHas('cancelling')}`));
    expect(two.length).toBeGreaterThan(1);
  });

  it('full-width Latin is folded (ＭＡＴＥ finds Mate) and hits are highlighted', async () => {
    const r = await search(`q=${encodeURIComponent('ＭＡＴＥ')}`);
    expect(r.body.items.map((i) => i.id)).toContain(1);
    const zh = await search('q=手机&size=5');
    for (const hit of zh.body.items) {
      const marked = [...(hit.highlight?.name ?? []), ...(hit.highlight?.description ?? [])];
      expect(marked.join(' ')).toContain('<em>');
    }
  });

  it('relevance order: scores never increase, ties broken by id', async () => {
    const r = await search('q=手机&size=100&facets=false');
    const items = r.body.items;
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!];
      expect(a.score!).toBeGreaterThanOrEqual(b.score!);
      if (a.score === b.score) expect(Number(a.id)).toBeLessThan(Number(b.id));
    }
  });
});

describe('filters', () => {
  it('category', async () => {
    expect(sorted(await collect('category=2', 100))).toEqual(await sqlIds('category_id = 2'));
    expect(sorted(await collect('category=2&category=5', 100))).toEqual(
      await sqlIds('category_id IN (2, 5)'),
    );
  });

  it('price range (inclusive bounds)', async () => {
    expect(sorted(await collect('price_min=100&price_max=500', 100))).toEqual(
      await sqlIds('price >= 100 AND price <= 500'),
    );
    expect(sorted(await collect('price_min=9000.5', 100))).toEqual(await sqlIds('price >= 9000.5'));
  });

  it('status', async () => {
    expect(sorted(await collect('status=draft&status=archived', 100))).toEqual(
      await sqlIds(`status IN ('draft', 'archived')`),
    );
  });

  it('tags (a hit has all of them)', async () => {
    expect(sorted(await collect('tags=sale', 100))).toEqual(await sqlIds(`JSON_CONTAINS(tags, '"sale"')`));
    expect(sorted(await collect(`tags=sale&tags=${encodeURIComponent('热卖')}`, 100))).toEqual(
      await sqlIds(`JSON_CONTAINS(tags, '"sale"') AND JSON_CONTAINS(tags, '"热卖"')`),
    );
  });
});

describe('facets', () => {
  it('counts equal SQL COUNTs over the same rows (each facet ignores its own filter)', async () => {
    const qs = 'status=active&tags=sale&category=1&category=2&price_min=100&price_max=5000';
    const r = await search(qs);
    expect(r.status).toBe(200);
    const base = `status = 'active' AND JSON_CONTAINS(tags, '"sale"')`;
    const cat = 'category_id IN (1, 2)';
    const price = 'price >= 100 AND price <= 5000';
    const [[{ n }]] = (await h.sql.query(
      `SELECT COUNT(*) AS n FROM products WHERE ${base} AND ${cat} AND ${price}`,
    )) as unknown as [[{ n: number }]];
    expect(r.body.total).toBe(Number(n));

    const [byCat] = await h.sql.query(
      `SELECT category_id, COUNT(*) AS n FROM products WHERE ${base} AND ${price} GROUP BY category_id`,
    );
    const expectedCats = Object.fromEntries(
      (byCat as Array<{ category_id: number; n: number }>).map((x) => [x.category_id, Number(x.n)]),
    );
    const gotCats = Object.fromEntries(r.body.facets!.categories.map((c) => [c.category_id, c.count]));
    expect(gotCats).toEqual(expectedCats);
    expect(Object.keys(gotCats).length).toBeGreaterThan(2);

    const bucket = `CASE WHEN price < 100 THEN '*-100' WHEN price < 500 THEN '100-500' WHEN price < 1000 THEN '500-1000'
      WHEN price < 5000 THEN '1000-5000' ELSE '5000-*' END`;
    const [byPrice] = await h.sql.query(
      `SELECT ${bucket} AS k, COUNT(*) AS n FROM products WHERE ${base} AND ${cat} GROUP BY k`,
    );
    const expectedPrice: Record<string, number> = {
      '*-100': 0,
      '100-500': 0,
      '500-1000': 0,
      '1000-5000': 0,
      '5000-*': 0,
    };
    for (const x of byPrice as Array<{ k: string; n: number }>) expectedPrice[x.k] = Number(x.n);
    expect(Object.fromEntries(r.body.facets!.price_ranges.map((b) => [b.key, b.count]))).toEqual(
      expectedPrice,
    );
  });

  it('with a text query, facets count the text matches', async () => {
    const r = await search('q=手机');
    const [rows] = await h.sql.query(
      `SELECT category_id, COUNT(*) AS n FROM products WHERE ${textHas('手机')} GROUP BY category_id`,
    );
    expect(Object.fromEntries(r.body.facets!.categories.map((c) => [c.category_id, c.count]))).toEqual(
      Object.fromEntries(
        (rows as Array<{ category_id: number; n: number }>).map((x) => [x.category_id, Number(x.n)]),
      ),
    );
  });
});

describe('sort and paging', () => {
  const orders = {
    price_asc: 'price ASC, id ASC',
    price_desc: 'price DESC, id ASC',
    newest: 'created_at DESC, id DESC',
  } as const;

  for (const [sort, sql] of Object.entries(orders)) {
    it(`sort=${sort}: cursor paging returns every hit exactly once, in SQL's order`, async () => {
      const ids = await collect(`sort=${sort}&category=1&category=4`, 23);
      expect(ids).toEqual(await sqlIds('category_id IN (1, 4)', [], sql));
    });
  }

  it('cursor paging over everything (relevance, no q)', async () => {
    const ids = await collect('sort=relevance', 100);
    expect(sorted(ids)).toEqual(await sqlIds('1=1'));
  });

  it('page/size matches the same slice of the order', async () => {
    const page2 = await search('sort=price_asc&page=2&size=10&facets=false');
    const all = await sqlIds('1=1', [], orders.price_asc);
    expect(page2.body.items.map((i) => Number(i.id))).toEqual(all.slice(10, 20));
  });
});

describe('errors', () => {
  it('unknown parameters, raw DSL and oversized pages are 400 naming the parameter', async () => {
    for (const [qs, field] of [
      ['q=x&query={"match_all":{}}', 'querystring.query'],
      ['size=101', 'querystring.size'],
      ['sort=score', 'querystring.sort'],
      ['price_min=1e3', 'querystring.price_min'],
      ['category=abc', 'querystring.category.0'],
    ] as const) {
      const r = await search(qs);
      expect(r.status, qs).toBe(400);
      expect((r.body as unknown as { error: { details: { field: string } } }).error.details.field).toBe(
        field,
      );
    }
  });

  it('a crafted cursor is 400 SYNC_S3005 naming the cursor, never a 5xx or an engine message', async () => {
    const crafted = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');
    for (const [sort, c] of [
      ['price_asc', { s: 'price_asc', a: [null, null] }],
      ['price_desc', { s: 'price_desc', a: [5999, null] }],
      ['price_asc', { s: 'price_asc', a: [1] }],
      ['price_asc', { s: 'price_asc', a: [1, 2, 3] }],
      ['price_asc', { s: 'price_asc', a: [1, 'abc'] }],
      ['price_asc', { s: 'price_asc', a: [1, -1] }],
      ['price_asc', { s: 'price_asc', a: [{}, 1] }],
      ['newest', { s: 'newest', a: [1.5, 1] }],
      ['newest', { s: 'newest', a: ['2025-01-01', 1] }],
      ['relevance', { s: 'relevance', a: [true, 1] }],
    ] as const) {
      const r = await search(`sort=${sort}&cursor=${crafted(c)}`);
      const label = JSON.stringify(c);
      expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(400);
      const e = (
        r.body as unknown as { error: { code: string; message: string; details: { field: string } } }
      ).error;
      expect(e.code, label).toBe('SYNC_S3005');
      expect(e.details.field, label).toBe('querystring.cursor');
      expect(e.message, label).not.toMatch(/java|exception|null_pointer/i);
    }
    // a cursor the API made still pages on, in every sort (also with a digit-string id)
    const first = await search('sort=price_asc&size=5&facets=false');
    const next = await search(`sort=price_asc&size=5&facets=false&cursor=${first.body.next_cursor}`);
    expect(next.status).toBe(200);
    const last = first.body.items[4]!;
    const asText = await search(
      `sort=price_asc&size=5&facets=false&cursor=${encodeCursor('price_asc', [Number(last.price), String(last.id)])}`,
    );
    expect(asText.body.items.map((i) => i.id)).toEqual(next.body.items.map((i) => i.id));
  });

  it('a query the engine rejects is 400 SYNC_S3005, never 500', async () => {
    const cursor = encodeCursor('price_asc', ['not-a-number', 1]);
    const r = await search(`sort=price_asc&cursor=${cursor}`);
    expect(r.status).toBe(400);
    expect((r.body as unknown as { error: { code: string } }).error.code).toBe('SYNC_S3005');
  });

  it('engine down or index missing → 503 SYNC_S3007', async () => {
    const down = new SearchClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 1000 });
    for (const [client, index] of [
      [down, h.config.api.productsIndex],
      [h.search, 'no_such_index_for_syncline_tests'],
    ] as const) {
      const app = await buildApp({
        config: { ...h.config, api: { ...h.config.api, productsIndex: index } },
        db: h.db,
        search: client,
        logger: pino({ level: 'silent' }),
        readiness: { pipelines: () => [] },
      });
      const r = await app.inject({ url: '/api/products/search?q=x' });
      expect(r.statusCode).toBe(503);
      expect(JSON.parse(r.body).error.code).toBe('SYNC_S3007');
      if (client === down) {
        expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
        expect((await app.inject({ url: '/api/logs/search' })).statusCode).toBe(503);
        const ingest = await app.inject({
          method: 'POST',
          url: '/api/logs',
          payload: { ts: '2025-01-01T00:00:00Z', level: 'info', service: 's', message: 'm' },
        });
        expect(ingest.statusCode).toBe(503);
        expect(JSON.parse(ingest.body).error.code).toBe('SYNC_S3007');
      }
      await app.close();
    }
    await down.close();
  });
});

describe('search cache', () => {
  it('identical searches are served from the cache; counters move', async () => {
    const stats = () => h.app.syncline.searchCacheStats();
    const before = stats();
    const a = await search('q=laptop&tags=new&tags=sale&size=5');
    expect(a.headers['x-syncline-cache']).toBe('miss');
    const b = await search('size=5&tags=sale&tags=new&q=laptop');
    expect(b.headers['x-syncline-cache']).toBe('hit');
    expect(b.body).toEqual(a.body);
    const after = stats();
    expect(after.misses).toBe(before.misses + 1);
    expect(after.hits).toBe(before.hits + 1);
    expect(after.size).toBeGreaterThan(0);
  });
});
