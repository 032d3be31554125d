import { afterAll, describe, expect, it } from 'vitest';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { detectEngine, profileFor } from '../../../src/sinks/search/engine-compat.js';
import { MockEngine } from './mock-engine.js';

describe('engine-compat', () => {
  const profile = profileFor({ engine: 'elasticsearch', version: '8.15.0', major: 8 });

  it('asks _bulk only for what is classified, and passes refresh through', () => {
    expect(profile.bulkContentType).toBe('application/x-ndjson');
    const q = profile.bulkQuery('false');
    expect(q.startsWith('?filter_path=')).toBe(true);
    expect(q).toContain('items.*.status');
    expect(q).toContain('items.*.error.type');
    expect(q).not.toContain('refresh');
    expect(profile.bulkQuery('wait_for')).toMatch(/&refresh=wait_for$/);
  });

  it('refreshes an index by its encoded name', () => {
    expect(profile.refreshPath('my-index')).toBe('/my-index/_refresh');
  });

  let engine: MockEngine | undefined;
  afterAll(async () => engine?.close());
  it('detects the engine from GET /', async () => {
    engine = await MockEngine.start();
    const client = new SearchClient({ url: engine.url });
    const p = await detectEngine(client);
    expect(p.info).toEqual({ engine: 'opensearch', version: '2.19.6', major: 2 });
    await client.close();
  });
});
