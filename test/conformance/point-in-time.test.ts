import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCapabilities, pitOpenPath } from '../../src/sinks/search/capabilities.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import { uniqueName } from '../helpers/stack.js';
import { createIndex, deleteIndex } from '../integration/sink/support.js';
import { ENGINE, ENGINE_URL, engineReady, IS_ELASTICSEARCH } from './engine.js';

/**
 * search_after over a point in time on the project's engine: the capability probe finds the engine's PIT
 * route (ES `POST /<index>/_pit`, OpenSearch `POST /<index>/_search/point_in_time`) and whether `_shard_doc`
 * sorts, and pages opened there see one frozen view while the index changes underneath.
 */
const client = new SearchClient({ url: ENGINE_URL });
const index = uniqueName('conf_pit');
beforeAll(async () => {
  await engineReady();
  await createIndex(client, index, { mappings: { properties: { n: { type: 'long' } } } });
}, 300_000);
afterAll(async () => {
  await deleteIndex(client, index);
  await client.close();
});

const EXPECTED = {
  'opensearch-2': { pit: 'opensearch', shardDocSort: 'never' },
  'opensearch-3': { pit: 'opensearch', shardDocSort: 'with-pit' },
  'elasticsearch-8': { pit: 'elasticsearch', shardDocSort: 'always' },
  'elasticsearch-9': { pit: 'elasticsearch', shardDocSort: 'always' },
} as const;

describe(`point in time on ${ENGINE}`, () => {
  it('detects the PIT route and _shard_doc support, and pages a frozen view with search_after', async () => {
    const caps = await detectCapabilities(client);
    expect({ pit: caps.pit, shardDocSort: caps.shardDocSort }).toEqual(EXPECTED[ENGINE]);

    const bulk = Array.from({ length: 30 }, (_, n) => `{"index":{"_id":"${n}"}}\n{"n":${n}}\n`).join('');
    const put = await client.request('POST', `/${index}/_bulk?refresh=true`, bulk, {
      contentType: 'application/x-ndjson',
    });
    expect(put.status).toBe(200);
    const opened = await client.request<{ id?: string; pit_id?: string }>(
      'POST',
      pitOpenPath(caps, index, '1m')!,
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const pitId = opened.body.id ?? opened.body.pit_id!;
    expect(typeof pitId).toBe('string');

    const seen: number[] = [];
    let after: unknown[] | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await client.request<{
        hits: { hits: Array<{ _source: { n: number }; sort: unknown[] }> };
      }>('POST', '/_search', {
        size: 7,
        pit: { id: pitId, keep_alive: '1m' },
        sort: [{ n: 'asc' }, ...(caps.shardDocSort === 'never' ? [] : [{ _shard_doc: 'asc' }])],
        ...(after && { search_after: after }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const hits = res.body.hits.hits;
      seen.push(...hits.map((h) => h._source.n));
      if (hits.length === 0) break;
      after = hits[hits.length - 1]!.sort;
      // the index moves on under the PIT: new documents and deletes, refreshed
      await client.request('PUT', `/${index}/_doc/new${page}?refresh=true`, { n: 100 + page });
      await client.request('DELETE', `/${index}/_doc/${page}?refresh=true`);
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, n) => n));

    const closed = IS_ELASTICSEARCH
      ? await client.request('DELETE', '/_pit', { id: pitId })
      : await client.request('DELETE', '/_search/point_in_time', { pit_id: [pitId] });
    expect(closed.status).toBe(200);
  });
});
