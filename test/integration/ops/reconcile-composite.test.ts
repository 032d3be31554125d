import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/ops/reconcile/reconcile.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { opsFor, withoutBinlog } from './helpers.js';

const DDL = `CREATE TABLE pairs (
  a INT NOT NULL,
  b VARCHAR(20) NOT NULL,
  v INT NOT NULL,
  PRIMARY KEY (a, b)
)`;

describe('reconcile with a composite key (ids "a|b", escaped parts)', () => {
  let h: Harness;
  let index: string;

  beforeAll(async () => {
    h = new Harness({ tables: ['pairs'], setup: DDL });
    index = h.index('pairs');
    await h.createDatabase();
    const rows: string[] = [];
    for (let a = 1; a <= 100; a++)
      for (const b of ['x', 'y', 'p|q', 'back\\slash'])
        rows.push(`(${a}, ${h.clients.db.escape(b)}, ${a * 10})`);
    await h.exec(`INSERT INTO pairs (a, b, v) VALUES ${rows.join(',')}`);
    await h.start();
    expect(clean(await h.converge('pairs'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 120_000);

  afterAll(async () => {
    await h?.cleanup();
  });

  it('finds and repairs drift across composite key ranges', async () => {
    const s = h.search;
    const path = (id: string) => `/${index}/_doc/${encodeURIComponent(id)}`;
    expect((await s.request('DELETE', path('3|x'))).status).toBe(200);
    expect((await s.request('DELETE', path('4|p\\|q'))).status).toBe(200);
    await s.request('PUT', path('5|y'), { a: 5, b: 'y', v: -1 });
    await s.request('PUT', path('999|zz'), { a: 999, b: 'zz', v: 0 });
    await s.request('PUT', path('7|X'), { a: 7, b: 'X', v: 70 }); // case differs from the row 7|x
    await withoutBinlog(h.db, "UPDATE pairs SET v = 0 WHERE a = 8 AND b = 'back\\\\slash'");

    const r = await reconcile(opsFor(h), { target: `${h.db}.pairs`, chunkSize: 50, settleTimeoutMs: 10_000 });
    const ix = r.indexes[0]!;
    expect(ix.samples.missing.sort()).toEqual(['3|x', '4|p\\|q']);
    expect(ix.samples.stale.sort()).toEqual(['5|y', '8|back\\\\slash']);
    expect(ix.samples.extra.sort()).toEqual(['7|X', '999|zz']);
    expect(ix.ranges).toBe(8);

    const fixed = await reconcile(opsFor(h), { target: index, repair: true, chunkSize: 50 });
    expect(fixed.drift).toBe(0);
    expect(fixed.indexes[0]!.repair).toMatchObject({ indexed: 4, deleted: 2, remaining: 0 });
    expect(clean(await h.converge('pairs'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 180_000);
});
