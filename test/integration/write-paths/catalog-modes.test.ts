import { afterAll, describe, expect, it } from 'vitest';
import type { WriteMode } from '../../../src/catalog/write-path.js';
import {
  clean,
  converge,
  docVersion,
  outboxRows,
  productBody,
  startWritePathApi,
  type WritePathApi,
} from './support.js';

/**
 * Each write-path mode of the catalog API: create / update / delete through HTTP reach the index with
 * the row's content, at the version the response announced.
 */
const opened: WritePathApi[] = [];
afterAll(async () => {
  for (const a of opened) await a.close();
});

const json = (r: { body: string }) => JSON.parse(r.body);
const expectedIndexState: Record<Exclude<WriteMode, 'cdc'>, string> = {
  'dual-write-sync': 'indexed',
  'dual-write-async': 'queued',
  outbox: 'queued',
};

describe.each(['dual-write-sync', 'dual-write-async', 'outbox'] as const)('write path %s', (mode) => {
  it('create / update / delete of products, categories and users reach the index', async () => {
    const api = await startWritePathApi(mode);
    opened.push(api);
    const { app } = api.h;
    /** id → the version the last response announced (deleted: the delete's). */
    const lastVersion = new Map<string, bigint | undefined>();
    const write = async (
      table: string,
      method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
    ) => {
      const r = await app.inject(payload === undefined ? { method, url } : { method, url, payload });
      expect(r.statusCode, r.body).toBeLessThan(300);
      expect(r.headers['x-syncline-write-path']).toBe(mode);
      expect(r.headers['x-syncline-index']).toBe(expectedIndexState[mode]);
      const id = method === 'POST' ? json(r).id : url.split('?')[0]!.split('/').pop();
      // outbox: the relay versions the row when it reads it, after the response (docs/outbox.md#versions)
      if (mode === 'outbox') expect(r.headers['x-syncline-version']).toBeUndefined();
      const version = mode === 'outbox' ? undefined : BigInt(String(r.headers['x-syncline-version']));
      lastVersion.set(`${table}/${id}`, version);
      return r;
    };

    for (const slug of ['phones', 'laptops', 'tv'])
      await write('categories', 'POST', '/api/categories', { name: slug, slug: `${slug}-${mode}` });
    // products: 3 created, one updated twice, one deleted
    const ids: number[] = [];
    for (let n = 1; n <= 3; n++)
      ids.push(json(await write('products', 'POST', '/api/products', productBody(n))).id);
    const put = await write('products', 'PUT', `/api/products/${ids[0]}`, {
      ...productBody(10),
      name: 'renamed 改名',
      status: 'active',
      version: 1,
    });
    if (mode === 'dual-write-sync') {
      // the response came after the index write: the document is there already, at that version
      expect(await docVersion(api, 'products', ids[0]!)).toBe(
        BigInt(String(put.headers['x-syncline-version'])),
      );
    }
    await write('products', 'PATCH', `/api/products/${ids[0]}`, { stock: 99, version: 2 });
    await write('products', 'DELETE', `/api/products/${ids[1]}?version=1`);

    // categories (updated_at concurrency) and users
    const cat = json(
      await write('categories', 'POST', '/api/categories', { name: '家电', slug: `appliances-${mode}` }),
    );
    await write('categories', 'PATCH', `/api/categories/${cat.id}`, {
      name: '大家电',
      updated_at: cat.updated_at,
    });
    const u1 = json(
      await write('users', 'POST', '/api/users', {
        email: `a-${mode}@example.com`,
        display_name: '张三',
        city: '上海',
      }),
    );
    const u2 = json(
      await write('users', 'POST', '/api/users', { email: `b-${mode}@example.com`, display_name: 'Bob' }),
    );
    await write('users', 'PATCH', `/api/users/${u1.id}`, { is_active: false, version: 1 });
    await write('users', 'DELETE', `/api/users/${u2.id}`);

    for (const t of ['products', 'categories', 'users'] as const) {
      expect(clean(await converge(api, t)), t).toEqual({ missing: 0, extra: 0, stale: 0 });
    }
    // each surviving document carries the version of its last change; deleted ones are gone
    for (const [key, version] of lastVersion) {
      const [table, id] = key.split('/') as ['products' | 'categories' | 'users', string];
      const deleted =
        (table === 'products' && id === String(ids[1])) || (table === 'users' && id === String(u2.id));
      const found = await docVersion(api, table, id);
      if (version === undefined) expect(found === undefined, key).toBe(deleted);
      else expect(found, key).toBe(deleted ? undefined : version);
    }
    if (mode === 'outbox') {
      // shipped rows are pruned (after the relay's next ack)
      expect(await outboxRows(api, 10_000)).toBe(0);
      expect(api.relay!.relays[0]!.source.stats.pruned).toBeGreaterThanOrEqual(lastVersion.size);
    }
  });
});
