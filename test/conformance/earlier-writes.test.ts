import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SearchClient } from '../../src/sinks/search/client.js';
import { awaitEarlierBulkWrites } from '../../src/sinks/search/earlier-writes.js';
import { uniqueName } from '../helpers/stack.js';
import {
  createIndex,
  deleteIndex,
  runningBulkIds as running,
  slowBulk as slow,
} from '../integration/sink/support.js';
import { ENGINE_URL, engineReady } from './engine.js';

/**
 * The successor's fence (earlier-writes.ts) against a real engine: a `_bulk` request that the engine keeps
 * running for seconds (support.ts#slowBulk) stands for a killed worker's last request. On every engine
 * (the tasks API and its bulk descriptions are the same on all).
 */
const client = new SearchClient({ url: ENGINE_URL });
beforeAll(() => engineReady(), 300_000);
const logger = pino({ level: 'silent' });
const created: string[] = [];
const runningBulkIds = (index: string) => running(client, index);
const slowBulk = (index: string, waitS: number) => slow(client, index, waitS);
afterAll(async () => {
  await deleteIndex(client, ...created);
  await client.close();
});

/** A generation `<alias>_v1` whose writes wait for a second copy that a one-node cluster never has. */
async function slowGeneration(alias: string): Promise<string> {
  const index = `${alias}_v1`;
  created.push(index);
  await createIndex(client, index, { settings: { number_of_replicas: 1 } });
  return index;
}

describe('a successor waits for its predecessor’s running _bulk requests (each engine)', () => {
  it('waits until a running bulk on one of its indexes has ended, and not for other indexes', async () => {
    const alias = uniqueName('fence');
    const other = uniqueName('fence_other');
    const index = await slowGeneration(alias);
    const otherIndex = await slowGeneration(other);

    const answered = slowBulk(index, 3);
    const unrelated = slowBulk(otherIndex, 5);
    // precondition: both requests are running in the engine before the fence looks
    await vi.waitFor(
      async () => {
        expect(await runningBulkIds(index)).toHaveLength(1);
        expect(await runningBulkIds(otherIndex)).toHaveLength(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    const [ours] = await runningBulkIds(index);

    const result = await awaitEarlierBulkWrites(client, [alias], { timeoutMs: 30_000, logger });
    expect(result).toMatchObject({ tasks: 1, timedOut: false });
    expect(result.waitedMs).toBeGreaterThan(0);
    // the awaited request has ended in the engine; the one on another index was not waited for
    expect(await runningBulkIds(index)).not.toContain(ours);
    expect(await runningBulkIds(otherIndex)).toHaveLength(1);
    await Promise.all([answered, unrelated]);
  });

  it('gives up at its bound with the request still running, and says so', async () => {
    const alias = uniqueName('fence_bound');
    const index = await slowGeneration(alias);
    const answered = slowBulk(index, 3);
    await vi.waitFor(async () => expect(await runningBulkIds(index)).toHaveLength(1), {
      timeout: 10_000,
      interval: 50,
    });
    const warnings: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const result = await awaitEarlierBulkWrites(client, [alias], { timeoutMs: 500, logger: capture });
    expect(result).toMatchObject({ tasks: 1, timedOut: true });
    expect(await runningBulkIds(index)).toHaveLength(1);
    expect(warnings.join('')).toContain('still running after 500 ms');
    await answered;
  });

  it('returns at once when nothing is running for its indexes', async () => {
    const result = await awaitEarlierBulkWrites(client, [uniqueName('fence_idle')], {
      timeoutMs: 5_000,
      logger,
    });
    expect(result).toEqual({ tasks: 0, waitedMs: 0, timedOut: false });
  });
});
