import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { reindex, reindexStatus } from '../../../src/ops/reindex/reindex.js';
import { clean, type Harness } from '../../helpers/pipeline-harness.js';
import { opsFor, startItems, startWriter } from './helpers.js';

const ANCHORS = 500; // ids 1..500 are never touched by the writer: every search must find all of them

/** Searches the alias in a loop; counts failures and results short of the anchors. */
function startSearcher(h: Harness, alias: string) {
  let stop = false;
  const r = { searches: 0, failed: 0, short: 0, errors: [] as string[] };
  const ids = Array.from({ length: ANCHORS }, (_, i) => i + 1);
  const done = (async () => {
    while (!stop) {
      try {
        const res = await h.search.request<{
          hits?: { total?: { value: number } };
          _shards?: { failed: number };
        }>('POST', `/${alias}/_search`, { size: 0, track_total_hits: true, query: { terms: { id: ids } } });
        r.searches++;
        if (res.status !== 200 || (res.body._shards?.failed ?? 0) > 0) {
          r.failed++;
          r.errors.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        } else if ((res.body.hits?.total?.value ?? 0) < ANCHORS) r.short++;
      } catch (e) {
        r.failed++;
        r.errors.push((e as Error).message);
      }
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return r;
    },
  };
}

describe('zero-downtime reindex under write and search load (real stack)', () => {
  let h: Harness;
  let alias: string;

  beforeAll(async () => {
    h = await startItems(4000);
    alias = h.index('items');
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 120_000);

  afterAll(async () => {
    for (let v = 2; v <= 3; v++) await h?.search.request('DELETE', `/${alias}_v${v}`).catch(() => {});
    await h?.exec(`DELETE FROM syncline.reindex_history WHERE alias = ?`, [alias]).catch(() => {});
    await h?.cleanup();
  });

  it('builds <alias>_v2 with the new analyzer and mapping, swaps the alias, loses no write and fails no search', async () => {
    const before = await h.search.request<
      Record<string, { mappings: { properties: Record<string, { type: string }> } }>
    >('GET', `/${alias}/_mapping`);
    expect(Object.keys(before.body)).toEqual([`${alias}_v1`]);
    expect(before.body[`${alias}_v1`]!.mappings.properties.tag!.type).toBe('text');

    // the new definition: standard analyzer, and `tag` as an exact keyword
    const config = {
      ...h.config,
      indexes: {
        [alias]: { textAnalyzer: 'standard', mappings: { properties: { tag: { type: 'keyword' } } } },
      },
    } as SynclineConfig;
    const ops = { ...opsFor(h), config };
    const writer = startWriter(h, { minId: ANCHORS + 1, maxId: 4000, newFrom: 200_000 });
    const searcher = startSearcher(h, alias);
    const phases = new Set<string>();
    let report: Awaited<ReturnType<typeof reindex>>;
    try {
      report = await reindex(ops, { index: alias, chunkSize: 500 }, (p) => phases.add(p.phase));
      await new Promise((r) => setTimeout(r, 500)); // keep writing and searching after the move
    } finally {
      const writes = await writer.stop();
      const s = await searcher.stop();
      expect(writes).toBeGreaterThan(50);
      expect(s.searches).toBeGreaterThan(20);
      expect(s.errors).toEqual([]);
      expect({ failed: s.failed, short: s.short }).toEqual({ failed: 0, short: 0 });
    }
    expect(report).toMatchObject({
      alias,
      from: `${alias}_v1`,
      to: `${alias}_v2`,
      kind: 'reindex',
      deadLetters: 0,
    });
    expect(report.rows).toBeGreaterThan(3000);
    expect([...phases]).toEqual(expect.arrayContaining(['fill', 'catch-up', 'swap', 'follow']));

    const after = await h.search.request<
      Record<string, { mappings: { properties: Record<string, { type: string }> } }>
    >('GET', `/${alias}/_mapping`);
    expect(Object.keys(after.body)).toEqual([`${alias}_v2`]);
    expect(after.body[`${alias}_v2`]!.mappings.properties.tag!.type).toBe('keyword');
    const settings = await h.search.request<
      Record<
        string,
        {
          settings: {
            index: {
              analysis: { analyzer: Record<string, { filter: string[] }> };
              refresh_interval?: string;
            };
          };
        }
      >
    >('GET', `/${alias}_v2/_settings`);
    const idx = settings.body[`${alias}_v2`]!.settings.index;
    expect(idx.analysis.analyzer.syncline_text!.filter).toEqual(['lowercase']);
    expect(idx.refresh_interval).toBe('1s');
    // the old index is kept for rollback
    expect((await h.search.request('GET', `/${alias}_v1/_count`)).status).toBe(200);

    // no lost write: the index behind the alias equals the table (the pipeline keeps feeding it)
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const status = await reindexStatus(ops, alias);
    expect(status.current).toEqual([`${alias}_v2`]);
    expect(status.history[0]).toMatchObject({
      state: 'done',
      fromIndex: `${alias}_v1`,
      toIndex: `${alias}_v2`,
    });
  }, 300_000);

  it('rolls back to the old index, caught up with the writes made since the move', async () => {
    const writer = startWriter(h, { minId: ANCHORS + 1, maxId: 4000, newFrom: 300_000 });
    const searcher = startSearcher(h, alias);
    let report: Awaited<ReturnType<typeof reindex>>;
    try {
      report = await reindex(opsFor(h), { index: alias, rollback: true });
    } finally {
      await writer.stop();
      const s = await searcher.stop();
      expect({ failed: s.failed, short: s.short, errors: s.errors }).toEqual({
        failed: 0,
        short: 0,
        errors: [],
      });
    }
    expect(report).toMatchObject({ kind: 'rollback', from: `${alias}_v2`, to: `${alias}_v1` });
    const m = await h.search.request<Record<string, unknown>>('GET', `/${alias}/_alias`);
    expect(Object.keys(m.body)).toEqual([`${alias}_v1`]);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await expect(reindex(opsFor(h), { index: alias, rollback: true })).rejects.toThrow(/no finished reindex/);
  }, 300_000);
});
