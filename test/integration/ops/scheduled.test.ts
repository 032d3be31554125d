import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { driftByIndex } from '../../../src/ops/reconcile/drift.js';
import { SynclineService } from '../../../src/service/service.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { ITEMS_DDL, seedItems } from './helpers.js';

describe('scheduled reconcile inside syncline run (real stack)', () => {
  let h: Harness;
  let service: SynclineService;
  let index: string;

  beforeAll(async () => {
    h = new Harness({
      tables: ['items'],
      setup: ITEMS_DDL,
      config: { reconcile: { schedule: '2s', repair: true } },
    });
    index = h.index('items');
    await h.createDatabase();
    await seedItems(h, 1, 501);
    service = new SynclineService(h.config as SynclineConfig, pino({ level: 'warn' }), { api: false });
    await service.start();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await h?.cleanup();
  });

  it('finds and repairs drift on its own, and reports it to the drift registry', async () => {
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const before = Date.now();
    await h.search.request('DELETE', `/${index}/_doc/42`);
    const deadline = Date.now() + 60_000;
    let found = driftByIndex().find((d) => d.index === index && d.checkedAt > before && d.missing === 1);
    while (!found && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      found = driftByIndex().find((d) => d.index === index && d.checkedAt > before && d.missing === 1);
    }
    expect(found).toMatchObject({ missing: 1, repaired: true, drift: 0 });
    const doc = await h.search.request('GET', `/${index}/_doc/42`);
    expect(doc.status).toBe(200);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 120_000);
});
