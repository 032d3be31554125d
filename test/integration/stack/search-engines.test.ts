import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type EngineInstance,
  searchEngineStatus,
  startSearchEngine,
} from '../../../src/stack/engine-instances.js';
import type { SearchEngineName } from '../../../src/stack/search-engines.js';

/**
 * Each extra engine of the local stack starts on a spare port with its own data dir, reports itself (engine,
 * version, pid) and stops. Never the shared node on 9200, nor the conformance suite's 9201–9203. The three start
 * at once: the box has two cores, a JVM start is mostly CPU.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-engines-'));
const CASES: Array<{ engine: SearchEngineName; port: number; product: string; version: RegExp }> = [
  { engine: 'opensearch-3', port: 19231, product: 'opensearch', version: /^3\.9\./ },
  { engine: 'elasticsearch-8', port: 19232, product: 'Elasticsearch', version: /^8\.19\./ },
  { engine: 'elasticsearch-9', port: 19233, product: 'Elasticsearch', version: /^9\.5\./ },
];
const started: EngineInstance[] = [];

afterAll(async () => {
  await Promise.all(started.map((i) => i.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function product(port: number): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}/_cluster/health`);
  await res.body.dump();
  // Elasticsearch marks every answer; OpenSearch never does
  return String(res.headers['x-elastic-product'] ?? 'opensearch');
}

describe('search engines of the local stack: start, report, stop on a spare port', () => {
  it('each engine starts, is reported up with its engine and version, and stops', async () => {
    const opts = (port: number) => ({ port, dataDir, heap: '512m' });
    const instances = await Promise.all(
      CASES.map(async (c) => {
        const i = await startSearchEngine(c.engine, opts(c.port));
        started.push(i);
        return i;
      }),
    );
    for (const [n, c] of CASES.entries()) {
      const i = instances[n]!;
      expect(i.outcome, c.engine).toBe('started');
      expect(i.home, c.engine).toBe(path.join(dataDir, 'engines', `${c.engine}-${c.port}`));
      const st = await searchEngineStatus(c.engine, opts(c.port));
      expect(st, c.engine).toMatchObject({ state: 'up', engine: c.engine, port: c.port, dataDir: i.home });
      expect(st.version, c.engine).toMatch(c.version);
      expect(st.pid, c.engine).toBeGreaterThan(0);
      expect(await product(c.port), c.engine).toBe(c.product);
      // a second start finds the running node by its pid file
      expect((await startSearchEngine(c.engine, opts(c.port))).outcome, c.engine).toBe('already-up');
    }
    const outcomes = await Promise.all(instances.map((i) => i.stop()));
    expect(outcomes).toEqual(['stopped', 'stopped', 'stopped']);
    for (const c of CASES) {
      expect((await searchEngineStatus(c.engine, opts(c.port))).state, c.engine).toBe('down');
    }
  });
});
