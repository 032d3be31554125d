import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../src/admin/pipeline-status.js';
import { ADMIN_TOKEN, eventually, ServiceHarness, sleep } from './service-harness.js';

const h = new ServiceHarness({
  products: 300,
});

beforeAll(() => h.start());
afterAll(() => h.cleanup());

const zero = { missing: 0, extra: 0, stale: 0 };
const clean = (d: { missing: unknown[]; extra: unknown[]; stale: unknown[] }) => ({
  missing: d.missing.length,
  extra: d.extra.length,
  stale: d.stale.length,
});

async function status(): Promise<PipelineStatus> {
  const r = await h.call<PipelineStatus>('GET', `/api/admin/pipelines/${h.pipeline}`, { admin: true });
  expect(r.status).toBe(200);
  return r.body;
}

let nextId = 1_000_000;
async function insertProducts(n: number): Promise<void> {
  const rows = Array.from({ length: n }, () => [
    nextId++,
    `admin test product ${nextId}`,
    '9.90',
    1,
    'active',
  ]);
  await h.pool.query('INSERT INTO products (id, name, price, category_id, status) VALUES ?', [rows]);
}

describe('admin API', () => {
  it('refuses every pipeline admin route without the bearer token (401 SYNC_S3004)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/pipelines'],
      ['GET', `/api/admin/pipelines/${h.pipeline}`],
      ['POST', `/api/admin/pipelines/${h.pipeline}/pause`],
      ['POST', `/api/admin/pipelines/${h.pipeline}/resume`],
      ['POST', `/api/admin/pipelines/${h.pipeline}/resnapshot`, { table: `${h.db}.products` }],
    ];
    for (const [method, path, body] of routes) {
      for (const token of [undefined, 'wrong-token-0000', ADMIN_TOKEN.slice(0, -1)]) {
        const r = await h.call<{ error: { code: string } }>(method, path, {
          ...(body !== undefined && { body }),
          ...(token && { token }),
        });
        expect(r.status, `${method} ${path} token=${token}`).toBe(401);
        expect(r.body.error.code).toBe('SYNC_S3004');
      }
    }
    // still running: the refused pause did nothing
    expect((await status()).state).toBe('running');
  });

  it('reports state, position, lag, throughput, events and snapshot progress of each pipeline', async () => {
    expect(clean(await h.converge('products'))).toEqual(zero);
    const list = await h.call<{ pipelines: PipelineStatus[] }>('GET', '/api/admin/pipelines', {
      admin: true,
    });
    expect(list.status).toBe(200);
    expect(list.body.pipelines.map((p) => p.name)).toEqual([h.pipeline]);
    const before = list.body.pipelines[0]!;
    expect(before).toMatchObject({ state: 'running', paused: false, lastError: null });
    expect(before.events.in).toBeGreaterThanOrEqual(300); // the snapshot read every product
    await insertProducts(50);
    const after = await eventually(async () => {
      const s = await status();
      // the rate counts whole seconds only, so it shows once the second of the inserts is over
      return s.events.in >= before.events.in + 50 &&
        s.phase === 'streaming' &&
        s.position &&
        s.throughput.inPerSecond > 0
        ? s
        : undefined;
    });
    expect(after).toBeDefined();
    expect(after!.position).toMatch(/^gtid \d+-\d+-\d+$/);
    expect(after!.lag.seconds).toBeGreaterThanOrEqual(0);
    expect(after!.throughput.windowSeconds).toBe(10);
    expect(after!.throughput.inPerSecond).toBeGreaterThan(0);
    expect(after!.snapshot).toBeNull(); // done
    const products = after!.tables.find((t) => t.table === `${h.db}.products`)!;
    expect(products.in).toBeGreaterThanOrEqual(350);
    expect(products.ok).toBeGreaterThan(0);
    expect((await h.call('GET', '/api/admin/pipelines/nope', { admin: true })).status).toBe(404);
  });

  it('pause holds the index while writes go on; resume catches up until the index equals the table', async () => {
    expect(clean(await h.converge('products'))).toEqual(zero);
    const paused = await h.call<PipelineStatus>('POST', `/api/admin/pipelines/${h.pipeline}/pause`, {
      admin: true,
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', paused: true });
    // idempotent
    expect((await h.call('POST', `/api/admin/pipelines/${h.pipeline}/pause`, { admin: true })).status).toBe(
      200,
    );
    const docsAtPause = await h.docCount('products');
    for (let i = 0; i < 8; i++) {
      await insertProducts(25);
      await h.pool.query('UPDATE products SET stock = stock + 1 WHERE id <= 20');
      await sleep(250);
    }
    const rows = await h.rowCount('products');
    expect(rows).toBe(docsAtPause + 200);
    await sleep(1500); // far more than the 10 ms linger and a refresh interval
    expect(await h.docCount('products')).toBe(docsAtPause);
    const held = await eventually(async () => {
      const s = await status();
      return (s.lag.transactions ?? 0) > 0 ? s : undefined;
    }, 10_000);
    expect(held?.state).toBe('paused');
    expect(held?.lag.transactions).toBeGreaterThan(0);

    const resumed = await h.call<PipelineStatus>('POST', `/api/admin/pipelines/${h.pipeline}/resume`, {
      admin: true,
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: 'running', paused: false });
    expect(clean(await h.converge('products'))).toEqual(zero);
    expect(await h.docCount('products')).toBe(rows);
    const caughtUp = await eventually(async () => {
      const s = await status();
      return s.lag.transactions === 0 ? s : undefined;
    }, 15_000);
    expect(caughtUp?.lag.transactions).toBe(0);
  });

  it('re-snapshot re-reads a table and repairs documents changed behind its back', async () => {
    expect(clean(await h.converge('products'))).toEqual(zero);
    const [[victim]] = (await h.pool.query('SELECT id FROM products ORDER BY id LIMIT 1')) as unknown as [
      [{ id: number }],
    ];
    const [[altered]] = (await h.pool.query(
      'SELECT id FROM products ORDER BY id DESC LIMIT 1',
    )) as unknown as [[{ id: number }]];
    const idx = h.index('products');
    expect((await h.search.request('DELETE', `/${idx}/_doc/${victim.id}`)).status).toBe(200);
    expect(
      (await h.search.request('POST', `/${idx}/_update/${altered.id}`, { doc: { name: 'tampered' } })).status,
    ).toBe(200);
    const d = await h.diff('products');
    expect(d.missing).toEqual([String(victim.id)]);
    expect(d.stale.map((s) => s.id)).toEqual([String(altered.id)]);
    const before = await status();

    const r = await h.call('POST', `/api/admin/pipelines/${h.pipeline}/resnapshot`, {
      admin: true,
      body: { table: `${h.db}.products` },
    });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ pipeline: h.pipeline, table: `${h.db}.products`, status: 'queued' });
    expect(clean(await h.converge('products'))).toEqual(zero);
    const after = await status();
    // every row was read again ('r' events), not just the two repaired ones
    expect(after.events.in - before.events.in).toBeGreaterThanOrEqual(await h.rowCount('products'));

    const bad = await h.call<{ error: { code: string; message: string } }>(
      'POST',
      `/api/admin/pipelines/${h.pipeline}/resnapshot`,
      { admin: true, body: { table: 'mysql.user' } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('not captured by pipeline');
    const missing = await h.call('POST', `/api/admin/pipelines/${h.pipeline}/resnapshot`, {
      admin: true,
      body: { table: `${h.db}.no_such_table` },
    });
    expect(missing.status).toBe(404);
    const unknownField = await h.call('POST', `/api/admin/pipelines/${h.pipeline}/resnapshot`, {
      admin: true,
      body: { table: `${h.db}.products`, where: '1=1' },
    });
    expect(unknownField.status).toBe(400);
  });
});

describe('dashboard files at /ui', () => {
  it('serves web/ from memory with a same-origin CSP, and nothing else', async () => {
    const root = await fetch(h.url('/ui'), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const index = await h.call('GET', '/ui/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.text).toContain('<script type="module" src="app.js">');
    const js = await h.call('GET', '/ui/views/pipelines.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    for (const path of [
      '/ui/nope.js',
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/..%2fsrc/server/app.ts',
    ]) {
      const r = await h.call<{ error: { code: string } }>('GET', path);
      expect(r.status, path).toBe(404);
    }
  });
});
