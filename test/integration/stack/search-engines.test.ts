import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../../../src/mapping/index-definitions.js';
import {
  detectCapabilities,
  missingTokenFilters,
  pitOpenPath,
} from '../../../src/sinks/search/capabilities.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import {
  type EngineInstance,
  searchEngineStatus,
  startSearchEngine,
  useSearchEngine,
} from '../../../src/stack/engine-instances.js';
import type { SearchEngineName } from '../../../src/stack/search-engines.js';
import { SEARCH_URL, uniqueName } from '../../helpers/stack.js';

/**
 * The extra engines of the local stack, each on a spare port with its own data dir (never the shared node on 9200,
 * nor the conformance suite's 9201–9203): started at once (a JVM start is mostly CPU and the three overlap),
 * reported, probed for their capabilities beside the shared OpenSearch 2.19, then stopped. Expected capabilities
 * are written per engine from what was measured by hand (issue 12), never from the detection under test.
 */
interface Expect {
  port?: number;
  product: 'opensearch' | 'elasticsearch';
  version: RegExp;
  major: number;
  pit: 'opensearch' | 'elasticsearch';
  shardDoc: 'always' | 'with-pit' | 'never';
  cjk: boolean;
}
const ENGINES: Record<SearchEngineName, Expect> = {
  'opensearch-2': {
    product: 'opensearch',
    version: /^2\.19\./,
    major: 2,
    pit: 'opensearch',
    shardDoc: 'never',
    cjk: true,
  },
  'opensearch-3': {
    port: 19231,
    product: 'opensearch',
    version: /^3\.9\./,
    major: 3,
    pit: 'opensearch',
    shardDoc: 'with-pit',
    cjk: true,
  },
  'elasticsearch-8': {
    port: 19232,
    product: 'elasticsearch',
    version: /^8\.19\./,
    major: 8,
    pit: 'elasticsearch',
    shardDoc: 'always',
    cjk: false,
  },
  'elasticsearch-9': {
    port: 19233,
    product: 'elasticsearch',
    version: /^9\.5\./,
    major: 9,
    pit: 'elasticsearch',
    shardDoc: 'always',
    cjk: false,
  },
};
const EXTRA = (Object.keys(ENGINES) as SearchEngineName[]).filter((e) => ENGINES[e].port !== undefined);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-engines-'));
const opts = (engine: SearchEngineName) => ({ port: ENGINES[engine].port!, dataDir, heap: '512m' });
const starting = new Map<SearchEngineName, Promise<EngineInstance>>();
const clients: SearchClient[] = [];
const created: Array<[SearchClient, string]> = [];

// the three start in the background while the shared OpenSearch 2.19 is probed; each test waits for its engine
beforeAll(() => {
  for (const e of EXTRA) {
    const p = startSearchEngine(e, opts(e));
    p.catch(() => {}); // reported by the test that awaits it
    starting.set(e, p);
  }
});

afterAll(async () => {
  for (const [c, index] of created) await c.request('DELETE', `/${index}_v1`).catch(() => {});
  await Promise.all(clients.map((c) => c.close()));
  const all = await Promise.allSettled(starting.values());
  await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

/** The engine's node, once started (undefined for opensearch-2: the shared stack's). */
async function ready(engine: SearchEngineName): Promise<EngineInstance | undefined> {
  return starting.get(engine);
}

function client(engine: SearchEngineName): SearchClient {
  const port = ENGINES[engine].port;
  const c = new SearchClient({ url: port === undefined ? SEARCH_URL : `http://127.0.0.1:${port}` });
  clients.push(c);
  return c;
}

// the engines are independent: their tests overlap (a request waiting on one engine leaves the CPU to another)
describe.concurrent('search engines of the local stack', () => {
  describe.each(Object.keys(ENGINES) as SearchEngineName[])('%s', (e) => {
    const want = ENGINES[e];

    // opensearch-2 is the shared stack's node (its start and status: test/integration/stack/stack-lifecycle.test.ts)
    const startedHere = want.port === undefined ? undefined : it;
    startedHere?.(
      'starts on its own port and data dir and is reported with its engine and version',
      async () => {
        const i = (await ready(e))!;
        expect(i.outcome).toBe('started');
        expect(i.home).toBe(path.join(dataDir, 'engines', `${e}-${want.port}`));
        const st = await searchEngineStatus(e, opts(e));
        expect(st).toMatchObject({ state: 'up', engine: e, port: want.port, dataDir: i.home });
        expect(st.version).toMatch(want.version);
        expect(st.pid).toBeGreaterThan(0);
        // a second start finds the running node by its pid file; useSearchEngine uses it and leaves it running
        expect((await startSearchEngine(e, opts(e))).outcome).toBe('already-up');
        const used = await useSearchEngine(e, opts(e));
        expect(used).toMatchObject({ url: `http://127.0.0.1:${want.port}`, startedHere: false });
        await used.stop();
        expect((await searchEngineStatus(e, opts(e))).state).toBe('up');
      },
      300_000,
    );

    it('identifies the engine without relying on GET / and probes PIT, _shard_doc and token filters', async () => {
      await ready(e);
      const c = client(e);
      // the Elasticsearch nodes built from Maven Central have no rest-root module
      expect((await c.request('GET', '/')).status).toBe(want.product === 'elasticsearch' ? 405 : 200);
      const caps = await detectCapabilities(c);
      expect(caps.info).toMatchObject({ engine: want.product, major: want.major });
      expect(caps.info.version).toMatch(want.version);
      expect(caps.pit).toBe(want.pit);
      expect(caps.shardDocSort).toBe(want.shardDoc);
      expect(await missingTokenFilters(c, ['cjk_width', 'cjk_bigram', 'lowercase'])).toEqual(
        want.cjk ? [] : ['cjk_width', 'cjk_bigram'],
      );
    });

    it('creates indexes with the CJK analyzer, or the standard fallback and one warning, and opens a PIT', async () => {
      await ready(e);
      const c = client(e);
      const warnings: string[] = [];
      const logger = { info: () => {}, warn: (_o: object, msg: string) => warnings.push(msg) };
      const [a, b] = [
        uniqueName(`t_caps_a_${e.replace('-', '')}`),
        uniqueName(`t_caps_b_${e.replace('-', '')}`),
      ];
      for (const index of [a, b]) {
        expect((await ensureIndex(c, index, {}, { logger })).created).toBe(true);
        created.push([c, index]);
      }
      if (want.cjk) expect(warnings).toEqual([]);
      else {
        expect(warnings).toHaveLength(1); // once per engine, not per index
        expect(warnings[0]).toMatch(
          /no cjk_width, cjk_bigram token filter.*'standard' analyzer instead of 'cjk'/,
        );
      }
      const settings = await c.request<Record<string, { settings: { index: { analysis: unknown } } }>>(
        'GET',
        `/${a}_v1/_settings`,
      );
      expect(JSON.stringify(settings.body[`${a}_v1`]?.settings.index.analysis).includes('cjk_bigram')).toBe(
        want.cjk,
      );
      // the search works either way: 手机 finds the phone, not the computer
      const docs = [{ name: '华为手机 Mate 60' }, { name: '联想电脑' }]
        .map(
          (d, n) => `${JSON.stringify({ index: { _index: a, _id: String(n + 1) } })}\n${JSON.stringify(d)}\n`,
        )
        .join('');
      await c.request('POST', '/_bulk?refresh=true', docs, { contentType: 'application/x-ndjson' });
      const hits = await c.request<{ hits: { hits: Array<{ _id: string }> } }>('POST', `/${a}/_search`, {
        query: { match: { name: { query: '手机', operator: 'and' } } },
      });
      expect(hits.body.hits.hits.map((h) => h._id)).toEqual(['1']);
      const pit = await c.request<{ id?: string; pit_id?: string }>(
        'POST',
        pitOpenPath(await detectCapabilities(c), `${a}_v1`, '30s')!,
      );
      expect(pit.status).toBe(200);
      expect(pit.body.id ?? pit.body.pit_id).toEqual(expect.any(String));
    });
  });
});

describe('search engines of the local stack, at the end', () => {
  it('each extra engine stops and is reported down', async () => {
    const outcomes = await Promise.all(EXTRA.map(async (e) => (await ready(e))!.stop()));
    expect(outcomes).toEqual(EXTRA.map(() => 'stopped'));
    for (const e of EXTRA) expect((await searchEngineStatus(e, opts(e))).state).toBe('down');
  });
});
