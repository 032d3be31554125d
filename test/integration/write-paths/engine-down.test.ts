import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import {
  clean,
  converge,
  deadLetters,
  docVersion,
  outboxRows,
  productBody,
  startWritePathApi,
  type WritePathApi,
} from './support.js';

/**
 * The search engine "stops" for ~10 s from the service's point of view: a fault proxy between the
 * service and OpenSearch resets every request (the shared engine itself stays up for other tests).
 * The API keeps accepting writes; once the engine is back every change lands — none lost, none
 * duplicated: each document carries exactly the version of its last change.
 */
const OUTAGE_MS = 10_000;
let proxy: FaultProxy;
const opened: WritePathApi[] = [];
beforeAll(async () => {
  proxy = await FaultProxy.start();
});
afterAll(async () => {
  proxy.clearRules();
  for (const a of opened) await a.close();
  await proxy.close();
});

const json = (r: { body: string }) => JSON.parse(r.body);

/** Writes a mixed workload through the API; returns the last announced version per product id (null: deleted). */
async function workload(api: WritePathApi, expectIndex: string, seed: number, existing: number[]) {
  const last = new Map<number, bigint | null | undefined>();
  const { app } = api.h;
  const check = (r: { statusCode: number; body: string; headers: Record<string, unknown> }) => {
    expect(r.statusCode, r.body).toBeLessThan(300);
    expect(r.headers['x-syncline-index']).toBe(expectIndex);
    // outbox: no version announced, the relay versions the row when it reads it (docs/outbox.md#versions)
    const v = r.headers['x-syncline-version'];
    return v === undefined ? undefined : BigInt(String(v));
  };
  const versions = new Map<number, number>();
  for (const id of existing) versions.set(id, json(await app.inject({ url: `/api/products/${id}` })).version);
  for (let n = 0; n < 8; n++) {
    const r = await app.inject({ method: 'POST', url: '/api/products', payload: productBody(seed + n) });
    const v = check(r);
    last.set(json(r).id, v);
    versions.set(json(r).id, 1);
  }
  const ids = [...versions.keys()];
  for (let k = 0; k < 12; k++) {
    const id = ids[(k * 7) % ids.length]!;
    if (last.get(id) === null) continue;
    const r = await app.inject({
      method: 'PATCH',
      url: `/api/products/${id}`,
      payload: { stock: 1000 + k, name: `updated ${k} 更新`, version: versions.get(id) },
    });
    last.set(id, check(r));
    versions.set(id, versions.get(id)! + 1);
  }
  for (const id of ids.slice(0, 3)) {
    const r = await app.inject({ method: 'DELETE', url: `/api/products/${id}` });
    check(r);
    last.set(id, null);
  }
  return last;
}

async function outage<T>(during: () => Promise<T>): Promise<T> {
  const start = Date.now();
  proxy.clearRecords();
  proxy.addRule({ match: () => true, fault: { type: 'reset' } });
  try {
    const out = await during();
    const left = OUTAGE_MS - (Date.now() - start);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    // the service did try the engine during the outage, and every try was refused
    expect(proxy.requests.filter((r) => r.fault === 'reset').length).toBeGreaterThan(0);
    return out;
  } finally {
    proxy.clearRules();
  }
}

async function setup(
  mode: 'dual-write-async' | 'dual-write-sync' | 'outbox',
  dualWrite: Record<string, unknown> = {},
  warmup = true,
) {
  const api = await startWritePathApi(mode, {
    searchUrl: proxy.url,
    dualWrite: { maxAttempts: 1000, ...dualWrite },
  });
  opened.push(api);
  if (!warmup) {
    await api.h.sql.query(`INSERT INTO categories (name, slug) VALUES ('a', 'a'), ('b', 'b'), ('c', 'c')`);
    return { api, before: [] as number[] };
  }
  for (const slug of ['a', 'b', 'c']) {
    const r = await api.h.app.inject({
      method: 'POST',
      url: '/api/categories',
      payload: { name: slug, slug },
    });
    expect(r.statusCode).toBe(201);
  }
  const before: number[] = [];
  for (let n = 0; n < 4; n++)
    before.push(
      json(await api.h.app.inject({ method: 'POST', url: '/api/products', payload: productBody(n) })).id,
    );
  expect(clean(await converge(api, 'products'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  return { api, before };
}

async function expectLanded(api: WritePathApi, last: Map<number, bigint | null | undefined>) {
  expect(clean(await converge(api, 'products', 90_000))).toEqual({ missing: 0, extra: 0, stale: 0 });
  for (const [id, v] of last) {
    const found = await docVersion(api, 'products', id);
    if (v === undefined) expect(found !== undefined, `product ${id}`).toBe(true);
    else expect(found, `product ${id}`).toBe(v ?? undefined);
  }
}

describe('search engine down during writes', () => {
  it('dual-write-async: writes are accepted (queued); after the engine returns every change lands', async () => {
    const { api, before } = await setup('dual-write-async');
    const last = await outage(() => workload(api, 'queued', 100, before));
    await expectLanded(api, last);
    expect(await deadLetters(api.h.config.api.dualWrite.pipeline)).toEqual({});
  });

  it('outbox: writes are accepted; rows wait in the outbox, then ship and are pruned', async () => {
    const { api, before } = await setup('outbox');
    const last = await outage(async () => {
      const l = await workload(api, 'queued', 200, before);
      // nothing can be shipped while the engine is away: the changes wait, committed, in the outbox
      expect(await outboxRows(api)).toBeGreaterThanOrEqual(l.size);
      return l;
    });
    await expectLanded(api, last);
    expect(await outboxRows(api, 10_000)).toBe(0);
    expect(await deadLetters(api.h.config.api.outbox.pipeline)).toEqual({});
  });

  it('dual-write-sync: past syncTimeoutMs the response says behind; the write lands later', async () => {
    const { api, before } = await setup('dual-write-sync', { syncTimeoutMs: 300 });
    const last = await outage(() => workload(api, 'behind', 300, before));
    await expectLanded(api, last);
    expect(await deadLetters(api.h.config.api.dualWrite.pipeline)).toEqual({});
  });

  it('dual-write-async with a full queue: the write commits, the change goes to the dead-letter store', async () => {
    const { api } = await setup('dual-write-async', { maxQueued: 2 }, false);
    const ids = await outage(async () => {
      const out: number[] = [];
      for (let n = 0; n < 6; n++) {
        const r = await api.h.app.inject({
          method: 'POST',
          url: '/api/products',
          payload: productBody(500 + n),
        });
        expect(r.statusCode).toBe(201);
        // the first two wait in memory; past maxQueued the response says the index is behind
        expect(r.headers['x-syncline-index']).toBe(n < 2 ? 'queued' : 'behind');
        out.push(json(r).id);
      }
      return out;
    });
    const [rows] = await api.h.sql.query('SELECT COUNT(*) AS n FROM products');
    expect(Number((rows as Array<{ n: string }>)[0]!.n)).toBe(6); // every write committed
    // two were queued and land; four overflowed into the dead-letter store (memory stays bounded)
    const deadline = Date.now() + 60_000;
    let landed = 0;
    while (Date.now() < deadline) {
      landed = 0;
      for (const id of ids) if ((await docVersion(api, 'products', id)) !== undefined) landed++;
      if (landed === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(landed).toBe(2);
    expect(await deadLetters(api.h.config.api.dualWrite.pipeline)).toEqual({ 'retries-exhausted': 4 });
  });
});
