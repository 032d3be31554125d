import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../src/demo/seed-data.js';
import { type ApiHarness, countRows, startApi } from './harness.js';

/**
 * Every endpoint gets a few hundred generated invalid requests: wrong types, huge strings, deep JSON,
 * SQL fragments, unknown fields, missing fields, broken JSON, wrong content types. Each must be a 4xx
 * with a short, clear error in the one error format; never a 5xx; the process stays up; nothing is
 * written. Each body is a valid body plus one mutation that makes it invalid by construction.
 */
let h: ApiHarness;
const r = rng(20250101);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const PER_ENDPOINT = 200;

const SQL = [
  '1 OR 1=1',
  "'; DROP TABLE products; --",
  '1; DELETE FROM users',
  '" OR ""="',
  "1' UNION SELECT user, password FROM mysql.user --",
  'SLEEP(10)',
  `${'$'}{jndi:ldap://127.0.0.1/x}`,
  '<script>alert(1)</script>',
];
const HUGE = 'x'.repeat(100_000);
const deepArray = (n: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const deepObject = (n: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = { k: v };
  return v;
};

type Kind =
  | 'str'
  | 'nstr'
  | 'int'
  | 'nint'
  | 'service'
  | 'price'
  | 'enum'
  | 'bool'
  | 'tags'
  | 'slug'
  | 'email'
  | 'ts'
  | 'fields'
  | 'version'
  | 'updated_at';

/** Values that are invalid for a field of this kind, whatever else holds. */
function invalidFor(kind: Kind): unknown {
  const wrongForString = [1, 0.5, true, [], ['a'], {}, { a: 1 }, deepArray(2000), deepObject(500)];
  const wrongForNumber = ['1', 'abc', 1.5, -1, 1e20, true, [], {}, null, ...SQL, deepArray(1000)];
  switch (kind) {
    case 'str':
      return pick([...wrongForString, null, '', '   ', HUGE]);
    case 'nstr':
      return pick([...wrongForString, HUGE]);
    case 'int':
    case 'version':
      return pick(wrongForNumber);
    case 'nint':
      return pick(wrongForNumber.filter((v) => v !== null));
    case 'price':
      return pick([
        1,
        1.5,
        '1',
        '1.5',
        '-1.00',
        '1e3',
        '12345678901.00',
        '',
        null,
        ...SQL,
        HUGE,
        deepArray(100),
      ]);
    case 'enum':
      return pick(['deleted', 'ACTIVE', '', 1, null, [], ...SQL]);
    case 'bool':
      return pick(['true', 1, 0, null, 'yes', [], ...SQL]);
    case 'tags':
      return pick([
        'a',
        1,
        [1],
        [''],
        ['x'.repeat(33)],
        ['a', 'a'],
        Array.from({ length: 21 }, (_, i) => `t${i}`),
        [null],
        [SQL[0], {}],
        deepArray(500),
      ]);
    case 'slug':
      return pick(['Has Caps', 'under_score', '-lead', 'trail-', 'a--b', '', HUGE, 1, null, ...SQL]);
    case 'service':
      return pick(['a b', '', 'x'.repeat(65), 'tab\there', 'ü', 1, null, HUGE, ...SQL]);
    case 'email':
      return pick(['not-an-email', '', '@x', 'a@', 1, null, HUGE, ...SQL]);
    case 'ts':
      return pick([
        'yesterday',
        '2025-01-01',
        '2025-13-01T00:00:00Z',
        '2025-01-01T25:00:00Z',
        1700000000,
        null,
        '',
        ...SQL,
      ]);
    case 'fields':
      return pick(['text', 1, [], null, deepObject(40), { big: HUGE }, { nested: deepArray(50) }]);
    case 'updated_at':
      return pick(['2025-01-01', '2025-01-01T00:00:00Z', 1, null, ...SQL]);
  }
}

interface BodyEndpoint {
  method: 'POST' | 'PUT' | 'PATCH';
  url: () => string;
  valid: () => Record<string, unknown>;
  fields: Record<string, Kind>;
  required: string[];
}

/** One invalid body for the endpoint: a valid one with exactly one breaking mutation. */
function invalidBody(e: BodyEndpoint): { payload: string; contentType: string } {
  const body = e.valid();
  const m = Math.floor(r() * 10);
  const json = 'application/json';
  if (m <= 4) {
    const field = pick(Object.keys(e.fields));
    body[field] = invalidFor(e.fields[field]!);
  } else if (m === 5 && e.required.length) {
    delete body[pick(e.required)];
  } else if (m === 6 || (m === 5 && !e.required.length)) {
    body[pick(['id', 'created_at', 'extra', '$where', 'query', SQL[1]!, 'x'.repeat(500)])] = pick([
      1,
      'x',
      deepObject(300),
      ...SQL,
    ]);
  } else if (m === 7) {
    return {
      payload: pick([
        '',
        '{',
        '{"name":',
        'null',
        '[]',
        '"str"',
        '42',
        SQL[1]!,
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        `${'['.repeat(100_000)}1${']'.repeat(100_000)}`,
        `{"name":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
      ]),
      contentType: json,
    };
  } else if (m === 8) {
    return {
      payload: JSON.stringify(body),
      contentType: pick([
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]),
    };
  } else {
    // an array where one object is expected; for log ingest (which takes arrays), an array with a bad record
    return {
      payload: JSON.stringify(e.url() === '/api/logs' ? [body, {}] : [body, body]),
      contentType: json,
    };
  }
  return { payload: JSON.stringify(body), contentType: json };
}

/** Query strings that break one parameter (or add an unknown one). */
function invalidQuery(
  params: Record<string, 'int' | 'size' | 'enum' | 'str200' | 'cursor' | 'price' | 'ts' | 'bool' | 'tag'>,
  searchWindow = false,
): string {
  const m = Math.floor(r() * 6);
  if (m === 0)
    return `${encodeURIComponent(pick(['foo', 'query', 'script', '_source', 'from_', SQL[0]!]))}=${encodeURIComponent(pick(SQL))}`;
  const name = pick(Object.keys(params));
  const kind = params[name]!;
  const values: Record<typeof kind, string[]> = {
    int: ['abc', '-5', '0', '1.5', '99999999999999999999', ...SQL],
    size: ['0', '-1', '101', '1e9', 'abc', ...SQL],
    enum: ['bogus', '', ...SQL],
    str200: ['x'.repeat(201), HUGE],
    cursor: [
      'not base64!',
      'eyJ4IjoxfQ',
      Buffer.from(JSON.stringify({ s: 'price_asc', a: [{ $gt: 1 }] })).toString('base64url'),
      Buffer.from('{"s":"relevance","a":[]}').toString('base64url'),
      'A'.repeat(600),
    ],
    price: ['abc', '-1', '1e3', '1.234', ...SQL],
    ts: ['yesterday', '2025-01-01', '1700000000', ...SQL],
    bool: ['maybe', '2', ...SQL],
    tag: ['x'.repeat(33), ''],
  };
  const v = pick(values[kind]);
  if (name === 'tags' && m === 5) return Array.from({ length: 11 }, (_, i) => `tags=t${i}`).join('&');
  if (searchWindow && name === 'page' && m === 4) return 'page=200&size=100';
  return `${name}=${encodeURIComponent(v)}`;
}

async function expectClientError(res: { statusCode: number; body: string }, what: string) {
  expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${what} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.body.length, what).toBeLessThan(2_000);
  const e = JSON.parse(res.body).error;
  expect(e.code, what).toMatch(/^SYNC_S3\d{3}$/);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(5);
}

let product: { id: number; version: number };
let category: { id: number; updated_at: string };
let user: { id: number; version: number };
let counts: Record<string, number>;

beforeAll(async () => {
  h = await startApi();
  const post = async (url: string, payload: object) =>
    JSON.parse((await h.app.inject({ method: 'POST', url, payload })).body);
  product = await post('/api/products', { name: 'fuzz', price: '1.00', category_id: 1 });
  category = await post('/api/categories', { name: 'fuzz', slug: 'fuzz' });
  user = await post('/api/users', { email: 'fuzz@example.com', display_name: 'fuzz' });
  counts = Object.fromEntries(
    await Promise.all(['products', 'categories', 'users'].map(async (t) => [t, await countRows(h.sql, t)])),
  );
});

afterAll(async () => {
  await h?.close();
});

const productFields: Record<string, Kind> = {
  name: 'str',
  description: 'nstr',
  price: 'price',
  category_id: 'int',
  tags: 'tags',
  stock: 'int',
  status: 'enum',
};
const categoryFields: Record<string, Kind> = { name: 'str', slug: 'slug', parent_id: 'nint' };
const userFields: Record<string, Kind> = {
  email: 'email',
  display_name: 'str',
  city: 'nstr',
  is_active: 'bool',
};

const validProduct = () => ({
  name: 'ok',
  description: 'd',
  price: '2.00',
  category_id: 1,
  tags: ['a'],
  stock: 1,
  status: 'active',
});
const validCategory = () => ({ name: 'ok', slug: `ok-${Math.floor(r() * 1e9)}`, parent_id: null });
const validUser = () => ({
  email: `u${Math.floor(r() * 1e9)}@example.com`,
  display_name: 'ok',
  city: null,
  is_active: true,
});

const bodyEndpoints = (): Record<string, BodyEndpoint> => ({
  'POST /api/products': {
    method: 'POST',
    url: () => '/api/products',
    valid: validProduct,
    fields: productFields,
    required: ['name', 'price', 'category_id'],
  },
  'PUT /api/products/:id': {
    method: 'PUT',
    url: () => `/api/products/${product.id}`,
    valid: () => ({ ...validProduct(), version: product.version }),
    fields: { ...productFields, version: 'version' },
    required: [...Object.keys(productFields), 'version'],
  },
  'PATCH /api/products/:id': {
    method: 'PATCH',
    url: () => `/api/products/${product.id}`,
    valid: () => ({ stock: 5, version: product.version }),
    fields: { ...productFields, version: 'version' },
    required: ['version'],
  },
  'POST /api/categories': {
    method: 'POST',
    url: () => '/api/categories',
    valid: validCategory,
    fields: categoryFields,
    required: ['name', 'slug'],
  },
  'PUT /api/categories/:id': {
    method: 'PUT',
    url: () => `/api/categories/${category.id}`,
    valid: () => ({ ...validCategory(), updated_at: category.updated_at }),
    fields: { ...categoryFields, updated_at: 'updated_at' },
    required: ['name', 'slug', 'parent_id', 'updated_at'],
  },
  'PATCH /api/categories/:id': {
    method: 'PATCH',
    url: () => `/api/categories/${category.id}`,
    valid: () => ({ name: 'x', updated_at: category.updated_at }),
    fields: { ...categoryFields, updated_at: 'updated_at' },
    required: ['updated_at'],
  },
  'POST /api/users': {
    method: 'POST',
    url: () => '/api/users',
    valid: validUser,
    fields: userFields,
    required: ['email', 'display_name'],
  },
  'PUT /api/users/:id': {
    method: 'PUT',
    url: () => `/api/users/${user.id}`,
    valid: () => ({ ...validUser(), version: user.version }),
    fields: { ...userFields, version: 'version' },
    required: [...Object.keys(userFields), 'version'],
  },
  'PATCH /api/users/:id': {
    method: 'PATCH',
    url: () => `/api/users/${user.id}`,
    valid: () => ({ display_name: 'y', version: user.version }),
    fields: { ...userFields, version: 'version' },
    required: ['version'],
  },
  'POST /api/logs': {
    method: 'POST',
    url: () => '/api/logs',
    valid: () => ({
      ts: '2025-01-01T00:00:00Z',
      level: 'info',
      service: 'svc',
      message: 'm',
      fields: { a: 1 },
    }),
    fields: { ts: 'ts', level: 'enum', service: 'service', message: 'str', fields: 'fields' },
    required: ['ts', 'level', 'service', 'message'],
  },
});

describe('fuzz: invalid bodies', () => {
  for (const [name, endpoint] of Object.entries(bodyEndpoints())) {
    it(`${name}: ${PER_ENDPOINT} invalid bodies → 4xx, never 5xx`, async () => {
      for (let i = 0; i < PER_ENDPOINT; i++) {
        const { payload, contentType } = invalidBody(endpoint);
        const res = await h.app.inject({
          method: endpoint.method,
          url: endpoint.url(),
          headers: { 'content-type': contentType },
          payload,
        });
        await expectClientError(res, `${name} ${payload.slice(0, 200)}`);
      }
    });
  }
});

describe('fuzz: invalid parameters', () => {
  const page = { page: 'int', size: 'size' } as const;
  const queries: Record<string, { url: string; params: Parameters<typeof invalidQuery>[0] }> = {
    'GET /api/products': { url: '/api/products', params: { ...page, category_id: 'int', status: 'enum' } },
    'GET /api/categories': { url: '/api/categories', params: { ...page, parent_id: 'int' } },
    'GET /api/users': { url: '/api/users', params: { ...page, is_active: 'bool' } },
    'GET /api/products/search': {
      url: '/api/products/search',
      params: {
        ...page,
        q: 'str200',
        category: 'int',
        price_min: 'price',
        price_max: 'price',
        status: 'enum',
        tags: 'tag',
        sort: 'enum',
        facets: 'bool',
        highlight: 'bool',
        cursor: 'cursor',
      },
    },
    'GET /api/logs/search': {
      url: '/api/logs/search',
      params: {
        ...page,
        q: 'str200',
        level: 'enum',
        service: 'str200',
        from: 'ts',
        to: 'ts',
        cursor: 'cursor',
      },
    },
    'DELETE /api/products/:id': { url: `/api/products/__ID__`, params: { version: 'int' } },
    'DELETE /api/users/:id': { url: `/api/users/__ID__`, params: { version: 'int' } },
    'DELETE /api/categories/:id': { url: `/api/categories/__ID__`, params: { updated_at: 'ts' } },
  };
  for (const [name, q] of Object.entries(queries)) {
    it(`${name}: ${PER_ENDPOINT} invalid parameter sets → 4xx`, async () => {
      const ids: Record<string, number> = { products: product.id, users: user.id, categories: category.id };
      const url = q.url.replace('__ID__', String(ids[q.url.split('/')[2]!]));
      const method = name.startsWith('DELETE') ? 'DELETE' : 'GET';
      for (let i = 0; i < PER_ENDPOINT; i++) {
        const qs = invalidQuery(q.params, name.includes('search'));
        const res = await h.app.inject({ method, url: `${url}?${qs}` });
        await expectClientError(res, `${name}?${qs.slice(0, 200)}`);
      }
    });
  }

  it('path ids: non-numbers, negatives, SQL, overflows → 4xx on every method', async () => {
    const bad = [
      'abc',
      '-1',
      '0',
      '1.5',
      '1%20OR%201%3D1',
      '1%3B%20DROP%20TABLE%20products',
      '99999999999999999999',
      '9'.repeat(300),
      '%00',
      '..%2F..%2Fetc%2Fpasswd',
    ];
    for (const table of ['products', 'categories', 'users']) {
      for (const id of bad) {
        for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
          const res = await h.app.inject({
            method,
            url: `/api/${table}/${id}`,
            payload: method === 'PUT' || method === 'PATCH' ? {} : undefined,
          });
          await expectClientError(res, `${method} /api/${table}/${id}`);
        }
      }
    }
  });
});

describe('after the fuzz', () => {
  it('the process is up and nothing was written', async () => {
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    for (const [t, n] of Object.entries(counts)) expect(await countRows(h.sql, t), t).toBe(n);
    const get = async (u: string) => JSON.parse((await h.app.inject({ url: u })).body);
    expect((await get(`/api/products/${product.id}`)).version).toBe(product.version);
    expect((await get(`/api/users/${user.id}`)).version).toBe(user.version);
    expect((await get(`/api/categories/${category.id}`)).updated_at).toBe(category.updated_at);
    await h.search.request('POST', `/${h.config.api.logs.indexPrefix}*/_refresh`);
    const logs = await h.search.request<{ count?: number }>(
      'GET',
      `/${h.config.api.logs.indexPrefix}*/_count`,
    );
    expect(logs.body.count ?? 0).toBe(0);
  });
});
