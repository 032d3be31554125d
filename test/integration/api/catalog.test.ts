import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type ApiHarness, countRows, startApi } from './harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

const json = (r: { body: string }) => JSON.parse(r.body);

describe('products CRUD', () => {
  it('create → get → list → PUT → PATCH → stale 409 → delete → 404', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/products',
      payload: { name: '小米手机 14 Pro', price: '3999.00', category_id: 1, tags: ['5G', '热卖'], stock: 5 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['x-syncline-write-path']).toBe('cdc');
    expect(created.headers['x-syncline-index']).toBe('pipeline');
    const p = json(created);
    expect(p).toMatchObject({
      name: '小米手机 14 Pro',
      price: '3999.00',
      tags: ['5G', '热卖'],
      version: 1,
      status: 'active',
    });
    expect(created.headers.location).toBe(`/api/products/${p.id}`);
    expect(p.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    const got = await h.app.inject({ url: `/api/products/${p.id}` });
    expect(json(got)).toEqual(p);

    const list = json(await h.app.inject({ url: '/api/products?size=10&category_id=1' }));
    expect(list.total).toBe(1);
    expect(list.items[0].id).toBe(p.id);

    const put = await h.app.inject({
      method: 'PUT',
      url: `/api/products/${p.id}`,
      payload: {
        name: 'Xiaomi 14 Pro',
        description: 'flagship phone',
        price: '3899.00',
        category_id: 2,
        tags: null,
        stock: 4,
        status: 'active',
        version: 1,
      },
    });
    expect(put.statusCode).toBe(200);
    expect(json(put)).toMatchObject({
      name: 'Xiaomi 14 Pro',
      price: '3899.00',
      category_id: 2,
      tags: null,
      version: 2,
    });

    const patch = await h.app.inject({
      method: 'PATCH',
      url: `/api/products/${p.id}`,
      payload: { stock: 3, version: 2 },
    });
    expect(json(patch)).toMatchObject({ stock: 3, version: 3, name: 'Xiaomi 14 Pro' });

    const stale = await h.app.inject({
      method: 'PATCH',
      url: `/api/products/${p.id}`,
      payload: { stock: 100, version: 2 },
    });
    expect(stale.statusCode).toBe(409);
    expect(json(stale).error).toMatchObject({
      code: 'SYNC_S3003',
      details: { field: 'version', current: 3 },
    });
    expect(json(await h.app.inject({ url: `/api/products/${p.id}` })).stock).toBe(3);

    const staleDelete = await h.app.inject({ method: 'DELETE', url: `/api/products/${p.id}?version=1` });
    expect(staleDelete.statusCode).toBe(409);
    const del = await h.app.inject({ method: 'DELETE', url: `/api/products/${p.id}?version=3` });
    expect(del.statusCode).toBe(204);
    for (const r of [
      await h.app.inject({ url: `/api/products/${p.id}` }),
      await h.app.inject({ method: 'DELETE', url: `/api/products/${p.id}` }),
      await h.app.inject({
        method: 'PATCH',
        url: `/api/products/${p.id}`,
        payload: { stock: 1, version: 3 },
      }),
    ]) {
      expect(r.statusCode).toBe(404);
      expect(json(r).error.code).toBe('SYNC_S3002');
    }
  });

  it('two concurrent updates from the same version: exactly one wins', async () => {
    const p = json(
      await h.app.inject({
        method: 'POST',
        url: '/api/products',
        payload: { name: 'race', price: '1.00', category_id: 1 },
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.app.inject({
          method: 'PATCH',
          url: `/api/products/${p.id}`,
          payload: { stock: i + 1, version: 1 },
        }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(7);
    expect(json(await h.app.inject({ url: `/api/products/${p.id}` })).version).toBe(2);
  });

  it('a missing category is a 400 naming category_id; nothing is written', async () => {
    const before = await countRows(h.sql, 'products');
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/products',
      payload: { name: 'x', price: '1.00', category_id: 999999 },
    });
    expect(r.statusCode).toBe(400);
    expect(json(r).error).toMatchObject({ code: 'SYNC_S3001', details: { field: 'body.category_id' } });
    expect(await countRows(h.sql, 'products')).toBe(before);
  });

  it('validation names the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', price: '1.5', category_id: 1 }, 'body.price'],
      [{ name: 'x', price: '-1.00', category_id: 1 }, 'body.price'],
      [{ name: 'x', price: 1, category_id: 1 }, 'body.price'],
      [{ name: 'x', price: '1.00', category_id: '1' }, 'body.category_id'],
      [{ price: '1.00', category_id: 1 }, 'body.name'],
      [{ name: 'x'.repeat(256), price: '1.00', category_id: 1 }, 'body.name'],
      [{ name: 'x', price: '1.00', category_id: 1, status: 'deleted' }, 'body.status'],
      [{ name: 'x', price: '1.00', category_id: 1, tags: ['t'.repeat(33)] }, 'body.tags.0'],
      [{ name: 'x', price: '1.00', category_id: 1, tags: ['a', 'a'] }, 'body.tags'],
      [{ name: 'x', price: '1.00', category_id: 1, id: 5 }, 'body.id'],
    ];
    for (const [payload, field] of cases) {
      const r = await h.app.inject({ method: 'POST', url: '/api/products', payload: payload as object });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      const e = json(r).error;
      expect(e.code).toBe('SYNC_S3001');
      expect(e.details.field, JSON.stringify(payload)).toBe(field);
      expect(e.message).toContain(field);
    }
  });
});

describe('categories (updated_at concurrency) and users (version)', () => {
  it('category PUT/PATCH with the updated_at read; a stale one is 409; a duplicate slug is 409', async () => {
    const c = json(
      await h.app.inject({
        method: 'POST',
        url: '/api/categories',
        payload: { name: '玩具 Toys', slug: 'toys-x' },
      }),
    );
    expect(c).toMatchObject({ slug: 'toys-x', parent_id: null });
    const p1 = await h.app.inject({
      method: 'PATCH',
      url: `/api/categories/${c.id}`,
      payload: { name: 'Toys', updated_at: c.updated_at },
    });
    expect(p1.statusCode).toBe(200);
    expect(json(p1).updated_at > c.updated_at).toBe(true);
    // same values again, from the now stale timestamp
    const p2 = await h.app.inject({
      method: 'PATCH',
      url: `/api/categories/${c.id}`,
      payload: { name: 'Toys', updated_at: c.updated_at },
    });
    expect(p2.statusCode).toBe(409);
    expect(json(p2).error.code).toBe('SYNC_S3003');

    const dup = await h.app.inject({
      method: 'POST',
      url: '/api/categories',
      payload: { name: 'x', slug: 'toys-x' },
    });
    expect(dup.statusCode).toBe(409);
    expect(json(dup).error.code).toBe('SYNC_S3003');

    const self = await h.app.inject({
      method: 'PATCH',
      url: `/api/categories/${c.id}`,
      payload: { parent_id: c.id, updated_at: json(p1).updated_at },
    });
    expect(self.statusCode).toBe(400);
  });

  it('a category still used by products cannot be deleted (409); an unused one can', async () => {
    await h.app.inject({
      method: 'POST',
      url: '/api/products',
      payload: { name: 'p', price: '1.00', category_id: 3 },
    });
    const used = await h.app.inject({ method: 'DELETE', url: '/api/categories/3' });
    expect(used.statusCode).toBe(409);
    const c = json(
      await h.app.inject({ method: 'POST', url: '/api/categories', payload: { name: 'tmp', slug: 'tmp' } }),
    );
    expect((await h.app.inject({ method: 'DELETE', url: `/api/categories/${c.id}` })).statusCode).toBe(204);
  });

  it('users: create, duplicate e-mail 409, stale version 409, boolean is_active', async () => {
    const u = json(
      await h.app.inject({
        method: 'POST',
        url: '/api/users',
        payload: { email: 'a@example.com', display_name: '王伟', city: '北京' },
      }),
    );
    expect(u).toMatchObject({ email: 'a@example.com', is_active: true, version: 1 });
    const dup = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      payload: { email: 'a@example.com', display_name: 'x' },
    });
    expect(dup.statusCode).toBe(409);
    const ok = await h.app.inject({
      method: 'PATCH',
      url: `/api/users/${u.id}`,
      payload: { is_active: false, version: 1 },
    });
    expect(json(ok)).toMatchObject({ is_active: false, version: 2 });
    const stale = await h.app.inject({
      method: 'PATCH',
      url: `/api/users/${u.id}`,
      payload: { city: null, version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      payload: { email: 'not-an-email', display_name: 'x' },
    });
    expect(json(bad).error.details.field).toBe('body.email');
    const list = json(await h.app.inject({ url: '/api/users?is_active=false' }));
    expect(list.items.map((x: { id: number }) => x.id)).toEqual([u.id]);
  });
});

describe('the service', () => {
  it('echoes a sane x-request-id and makes one otherwise', async () => {
    const mine = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const evil = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0001<script>' } });
    expect(evil.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const err = await h.app.inject({ url: '/api/products/0' });
    expect(err.headers['x-request-id']).toBeTruthy();
  });

  it('/healthz, /readyz truthful, admin pipelines behind the bearer token', async () => {
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(json(ready).checks.mysql.ok).toBe(true);
    h.pipelines.push({ name: 'catalog', state: 'failed' });
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(503);

    for (const headers of [{}, { authorization: 'Bearer wrong-token-xyz' }, { authorization: ADMIN_TOKEN }]) {
      const r = await h.app.inject({ url: '/api/admin/pipelines', headers });
      expect(r.statusCode).toBe(401);
      expect(json(r).error.code).toBe('SYNC_S3004');
    }
    // unknown admin paths are refused before routing: no probing without the token
    expect((await h.app.inject({ url: '/api/admin/nothing-here' })).statusCode).toBe(401);
    const ok = await h.app.inject({
      url: '/api/admin/pipelines',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toEqual({ pipelines: [{ name: 'catalog', state: 'failed' }] });
    h.pipelines.length = 0;
  });

  it('serves the OpenAPI document and UI at /docs', async () => {
    const doc = json(await h.app.inject({ url: '/docs/json' }));
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/products',
      '/api/products/{id}',
      '/api/products/search',
      '/api/logs',
      '/api/logs/search',
      '/api/admin/pipelines',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const ui = await h.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('413 for a body over the limit, 415 for a non-JSON content type', async () => {
    const big = await h.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'x'.repeat(h.config.api.bodyLimitBytes),
        price: '1.00',
        category_id: 1,
      }),
    });
    expect(big.statusCode).toBe(413);
    expect(json(big).error.code).toBe('SYNC_S3008');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const text = await h.app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { 'content-type': type },
        payload: 'name=x',
      });
      expect(text.statusCode).toBe(415);
      expect(json(text).error.code).toBe('SYNC_S3009');
    }
  });

  it('a 500 names the request id and never leaks the message or stack', async () => {
    const { buildApp } = await import('../../../src/server/app.js');
    const { pino } = await import('pino');
    const app = await buildApp({
      config: h.config,
      db: h.db,
      search: h.search,
      logger: pino({ level: 'silent' }),
      readiness: { pipelines: () => [] },
    });
    app.get('/boom', async () => {
      throw new Error('secret password=hunter2 at /etc/app.ts:12');
    });
    const r = await app.inject({ url: '/boom' });
    expect(r.statusCode).toBe(500);
    expect(json(r).error.code).toBe('SYNC_S9999');
    expect(r.body).not.toContain('hunter2');
    expect(r.body).not.toContain('.ts');
    expect(r.body).toContain(r.headers['x-request-id'] as string);
    await app.close();
  });

  it('rate-limits write endpoints (429 SYNC_S3006) but not reads', async () => {
    const limited = await startApi({ api: { rateLimit: { max: 3, timeWindowMs: 60_000 } } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await limited.app.inject({
          method: 'POST',
          url: '/api/categories',
          payload: { name: `c${i}`, slug: `c-${i}` },
        });
        codes.push(r.statusCode);
        if (r.statusCode === 429) {
          expect(json(r).error.code).toBe('SYNC_S3006');
          expect(r.headers['retry-after']).toBeDefined();
        }
      }
      expect(codes).toEqual([201, 201, 201, 429, 429]);
      for (let i = 0; i < 5; i++)
        expect((await limited.app.inject({ url: '/api/categories' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('requests the HTTP parser refuses get the same error format', async () => {
    const { connect } = await import('node:net');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        let out = '';
        const s = connect(port, '127.0.0.1', () => s.write(text));
        s.on('data', (d) => {
          out += d.toString('utf8');
        });
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
    const res = await raw('GET /api/products/search?q=手机 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1.1 400/);
    expect(res).toContain('"code":"SYNC_S3001"');
    const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1.1 431/);
    expect(big).toContain('"code":"SYNC_S3001"');
  });

  it('graceful shutdown: an in-flight request finishes, new connections are refused', async () => {
    const s = await startApi();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    s.app.get('/__slow', async () => {
      await gate;
      return { done: true };
    });
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (s.app.server.address() as { port: number }).port;
    const inflight = fetch(`http://127.0.0.1:${port}/__slow`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await new Promise((r) => setTimeout(r, 100));
    const closing = s.app.close();
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    release();
    expect(await inflight).toEqual({ status: 200, body: { done: true } });
    const t0 = Date.now();
    await closing;
    expect(Date.now() - t0).toBeLessThan(5_000); // the keep-alive socket is not left to idle out
    await s.close();
  });
});
