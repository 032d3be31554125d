import type { Pool } from 'mysql2/promise';
import type { SearchClient } from '../../../src/sinks/search/client.js';

/**
 * A small catalog whose product documents are built from six tables: products (root) → category
 * (many-to-one, with its parent: two levels), warehouse (many-to-one on a composite key), skus
 * (one-to-many, nested), tags (many-to-many through product_tags). Foreign keys cascade: a deleted
 * product takes its skus and tag links, a deleted tag its links, a deleted category sets its products'
 * category_id to NULL — none of those cascaded changes is in the binlog (checked by the test).
 */
export const SETUP = `
CREATE TABLE categories (id INT PRIMARY KEY, name VARCHAR(60) NOT NULL, parent_id INT NULL);
CREATE TABLE warehouses (country CHAR(2), code VARCHAR(8), city VARCHAR(40), PRIMARY KEY (country, code));
CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, category_id INT NULL,
  wh_country CHAR(2) NULL, wh_code VARCHAR(8) NULL, KEY (category_id), KEY (wh_country, wh_code),
  FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE SET NULL);
CREATE TABLE skus (id INT PRIMARY KEY, product_id INT NOT NULL, code VARCHAR(20) NOT NULL, KEY (product_id),
  FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE);
CREATE TABLE tags (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE product_tags (product_id INT NOT NULL, tag_id INT NOT NULL, PRIMARY KEY (product_id, tag_id), KEY (tag_id),
  FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
  FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE);
`;

export const RELATIONS = [
  {
    field: 'category',
    kind: 'many-to-one',
    table: 'categories',
    on: { category_id: 'id' },
    include: ['name'],
    relations: [
      {
        field: 'parent',
        kind: 'many-to-one',
        table: 'categories',
        on: { parent_id: 'id' },
        include: ['name'],
      },
    ],
  },
  {
    field: 'warehouse',
    kind: 'many-to-one',
    table: 'warehouses',
    on: { wh_country: 'country', wh_code: 'code' },
  },
  {
    field: 'skus',
    kind: 'one-to-many',
    table: 'skus',
    on: { id: 'product_id' },
    include: ['code'],
    nested: true,
  },
  {
    field: 'tags',
    kind: 'many-to-many',
    table: 'tags',
    on: { id: 'product_id' },
    through: { table: 'product_tags', to: { tag_id: 'id' } },
    include: ['name'],
  },
];

type Doc = Record<string, unknown>;

/**
 * The documents the products table should give, rendered here from JOIN queries — not by the mapping
 * code under test: every field is a column the SQL selects, arrays in key order, absent relations null
 * or [] (docs/mapping.md#documents-built-from-several-tables).
 */
export async function renderProducts(pool: Pool, db: string): Promise<Map<string, Doc>> {
  const [rows] = (await pool.query(
    `SELECT p.id, p.name, p.category_id, p.wh_country, p.wh_code,
            c.id AS c_id, c.name AS c_name, g.id AS g_id, g.name AS g_name,
            w.country AS w_country, w.code AS w_code, w.city AS w_city
       FROM ${db}.products p
       LEFT JOIN ${db}.categories c ON c.id = p.category_id
       LEFT JOIN ${db}.categories g ON g.id = c.parent_id
       LEFT JOIN ${db}.warehouses w ON w.country = p.wh_country AND w.code = p.wh_code`,
  )) as unknown as [Doc[]];
  const [skus] = (await pool.query(
    `SELECT s.product_id, s.id, s.code FROM ${db}.skus s JOIN ${db}.products p ON p.id = s.product_id ORDER BY s.id`,
  )) as unknown as [Doc[]];
  const [tags] = (await pool.query(
    `SELECT pt.product_id, t.id, t.name FROM ${db}.product_tags pt JOIN ${db}.tags t ON t.id = pt.tag_id ORDER BY t.id`,
  )) as unknown as [Doc[]];
  const docs = new Map<string, Doc>();
  for (const r of rows) {
    docs.set(String(r.id), {
      id: r.id,
      name: r.name,
      category_id: r.category_id,
      wh_country: r.wh_country,
      wh_code: r.wh_code,
      category:
        r.c_id === null
          ? null
          : { id: r.c_id, name: r.c_name, parent: r.g_id === null ? null : { id: r.g_id, name: r.g_name } },
      warehouse: r.w_country === null ? null : { country: r.w_country, code: r.w_code, city: r.w_city },
      skus: [],
      tags: [],
    });
  }
  for (const s of skus) (docs.get(String(s.product_id))!.skus as Doc[]).push({ id: s.id, code: s.code });
  for (const t of tags) (docs.get(String(t.product_id))!.tags as Doc[]).push({ id: t.id, name: t.name });
  return docs;
}

/** Every document of the index (refreshed first), by id. */
export async function indexDocuments(search: SearchClient, index: string): Promise<Map<string, Doc>> {
  await search.request('POST', `/${index}/_refresh`);
  const res = await search.request<{ hits: { hits: Array<{ _id: string; _source: Doc }> } }>(
    'POST',
    `/${index}/_search`,
    { size: 10_000, query: { match_all: {} } },
  );
  if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${JSON.stringify(res.body)}`);
  return new Map(res.body.hits.hits.map((h) => [h._id, h._source]));
}

export interface Drift {
  missing: string[];
  extra: string[];
  different: Array<{ id: string; expected: Doc; actual: Doc }>;
}

export function drift(expected: Map<string, Doc>, actual: Map<string, Doc>): Drift {
  const d: Drift = { missing: [], extra: [], different: [] };
  for (const [id, doc] of expected) {
    const got = actual.get(id);
    if (!got) d.missing.push(id);
    else if (JSON.stringify(sortKeys(got)) !== JSON.stringify(sortKeys(doc)))
      d.different.push({ id, expected: doc, actual: got });
  }
  for (const id of actual.keys()) if (!expected.has(id)) d.extra.push(id);
  return d;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as Doc)
        .sort()
        .map((k) => [k, sortKeys((v as Doc)[k])]),
    );
  return v;
}

/** Polls until the index equals the rendering (or the timeout); returns the last drift. */
export async function converge(
  pool: Pool,
  db: string,
  search: SearchClient,
  index: string,
  timeoutMs = 60_000,
): Promise<Drift> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = drift(
      await renderProducts(pool, db),
      await indexDocuments(search, index).catch(() => new Map()),
    );
    const clean = d.missing.length + d.extra.length + d.different.length === 0;
    if (clean || Date.now() > deadline) return d;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export const summary = (d: Drift) => ({
  missing: d.missing.length,
  extra: d.extra.length,
  different: d.different.length,
  first: d.different[0] ?? d.missing[0] ?? d.extra[0],
});

/** Initial rows (named columns: a tracking column may be added): categories in two levels, warehouses, products, skus, tags and links. */
export async function seed(pool: Pool, db: string, products = 200): Promise<void> {
  const q = (sql: string, v: unknown[]) => pool.query(sql.replaceAll('§', db), v);
  await q('INSERT INTO §.categories (id, name, parent_id) VALUES ?', [
    Array.from({ length: 20 }, (_, i) => [i + 1, `cat ${i + 1}`, i < 5 ? null : (i % 5) + 1]),
  ]);
  await q('INSERT INTO §.warehouses (country, code, city) VALUES ?', [
    [
      ['CN', 'SH1', 'Shanghai'],
      ['CN', 'BJ1', 'Beijing'],
      ['DE', 'BE1', 'Berlin'],
    ],
  ]);
  const wh = [
    ['CN', 'SH1'],
    ['CN', 'BJ1'],
    ['DE', 'BE1'],
    [null, null],
  ];
  await q('INSERT INTO §.products (id, name, category_id, wh_country, wh_code) VALUES ?', [
    Array.from({ length: products }, (_, i) => [i + 1, `product ${i + 1}`, (i % 20) + 1, ...wh[i % 4]!]),
  ]);
  await q('INSERT INTO §.skus (id, product_id, code) VALUES ?', [
    Array.from({ length: products * 2 }, (_, i) => [i + 1, (i % products) + 1, `sku-${i + 1}`]),
  ]);
  await q('INSERT INTO §.tags (id, name) VALUES ?', [
    Array.from({ length: 10 }, (_, i) => [i + 1, `tag ${i + 1}`]),
  ]);
  await q('INSERT INTO §.product_tags (product_id, tag_id) VALUES ?', [
    Array.from({ length: products }, (_, i) => [
      [i + 1, (i % 10) + 1],
      [i + 1, ((i + 3) % 10) + 1],
    ]).flat(),
  ]);
}
