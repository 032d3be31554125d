import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IndexOp } from '../../../src/core/interfaces.js';
import { BulkSink } from '../../../src/sinks/search/bulk-sink.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { MemoryDeadLetters } from '../../unit/sink/memory-dead-letters.js';
import { indexOp, sinkConfig } from '../../unit/sink/ops.js';
import { allIds, countDocs, createIndex, deleteIndex } from './support.js';

/** The bulk sink through a fault-injecting proxy in front of the real OpenSearch node. */
let proxy: FaultProxy;
const direct = searchClient();
const created: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  proxy = await FaultProxy.start();
});
afterEach(async () => {
  proxy.clearRules();
  proxy.clearRecords();
  for (const c of open.splice(0).reverse()) await c.close();
});
afterAll(async () => {
  await deleteIndex(direct, ...created);
  await direct.close();
  await proxy.close();
});

async function freshIndex(): Promise<string> {
  const name = uniqueName('sink_faults');
  created.push(name);
  await createIndex(direct, name);
  return name;
}

function sinkThroughProxy(config: Parameters<typeof sinkConfig>[0], requestTimeoutMs = 10_000) {
  const client = new SearchClient({ url: proxy.url, requestTimeoutMs });
  const dlq = new MemoryDeadLetters();
  const sink = new BulkSink({ client, config: sinkConfig(config), deadLetters: dlq, pipeline: 'faults' });
  open.push(client, sink); // closed in reverse: sink first
  return { sink, dlq, client };
}

const docs = (index: string, n: number, prefix = ''): IndexOp[] =>
  Array.from({ length: n }, (_, i) =>
    indexOp(index, `${prefix}${i}`, BigInt(i + 1), { n: i, title: `doc ${i}` }),
  );

describe('bulk sink under injected faults (real node)', () => {
  it('item-level 429/503: every document lands and only the failed items are re-sent', async () => {
    const index = await freshIndex();
    const failOnce = new Map<string, number>([
      ['3', 429],
      ['17', 429],
      ['42', 503],
      ['99', 503],
    ]);
    const seen = new Set<string>();
    proxy.addRule({
      fault: {
        type: 'items',
        status: 429,
        select: (item) => {
          if (!item.id || !failOnce.has(item.id) || seen.has(item.id)) return false;
          seen.add(item.id);
          return true;
        },
      },
    });
    const { sink, dlq } = sinkThroughProxy({ lingerMs: 0, initialMs: 20, maxMs: 200 });
    const r = await sink.write(docs(index, 100));
    expect(r.ok).toBe(100);
    expect(r.dead).toBe(0);
    expect(dlq.entries).toHaveLength(0);

    const bulks = proxy.bulkRequests().filter((b) => b.path.startsWith('/_bulk'));
    expect(bulks[0]!.ids).toHaveLength(100);
    expect(new Set(bulks[0]!.failedIds)).toEqual(new Set(failOnce.keys()));
    const resent = bulks.slice(1).flatMap((b) => b.ids);
    expect(resent.sort()).toEqual([...failOnce.keys()].sort());
    expect(sink.counters.retriedItems).toBe(4);
    expect((await allIds(direct, index)).length).toBe(100);
  });

  it('whole-request 429 and 503, connection reset and a timeout: everything lands', async () => {
    const index = await freshIndex();
    proxy.addRule({ times: 1, fault: { type: 'status', status: 429 } });
    proxy.addRule({ times: 1, fault: { type: 'status', status: 503 } });
    proxy.addRule({ times: 1, fault: { type: 'reset' } });
    // applied by the node after the client gave up: the re-send must come back ok or stale, never dead
    proxy.addRule({ times: 1, fault: { type: 'delay', ms: 1_500, forward: true } });
    proxy.addRule({ times: 1, fault: { type: 'reset', afterForward: true } });
    const { sink, dlq } = sinkThroughProxy({ lingerMs: 0, maxDocs: 50, initialMs: 20, maxMs: 200 }, 1_000);
    const r = await sink.write(docs(index, 50));
    expect(r.ok + r.stale).toBe(50);
    expect(r.dead).toBe(0);
    expect(dlq.entries).toHaveLength(0);
    const bulks = proxy.bulkRequests();
    expect(bulks.slice(0, 5).map((b) => b.fault)).toEqual(['status', 'status', 'reset', 'delay', 'reset']);
    // each faulted request is re-sent whole
    for (const b of bulks) expect(b.ids).toHaveLength(50);
    expect(bulks.length).toBeGreaterThanOrEqual(6);
    expect(sink.counters.bulkFailures).toBe(5);
    expect(await countDocs(direct, index)).toBe(50);
  });

  it('backoff grows and is capped (loose timing)', async () => {
    const index = await freshIndex();
    const failures = 9;
    let failed = 0;
    proxy.addRule({
      fault: {
        type: 'items',
        status: 503,
        select: (item) => item.id === 'slow' && failed++ < failures,
      },
    });
    const initialMs = 40;
    const maxMs = 400;
    const { sink } = sinkThroughProxy({ lingerMs: 0, initialMs, maxMs });
    const r = await sink.write([indexOp(index, 'slow', 1n, { a: 1 }), indexOp(index, 'fast', 1n, { a: 2 })]);
    expect(r.outcomes).toEqual(['ok', 'ok']);
    const sends = proxy.sendsOf('slow').map((b) => b.at);
    expect(sends).toHaveLength(failures + 1);
    const gaps = sends.slice(1).map((t, i) => t - sends[i]!);
    const slack = 250;
    for (const g of gaps) expect(g).toBeLessThanOrEqual(maxMs + slack);
    // ceilings 40, 80, 160, 320, 400, 400…: the late waits are on average clearly longer than the first ones
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(gaps.slice(-5))).toBeGreaterThan(mean(gaps.slice(0, 2)));
    expect(proxy.sendsOf('fast')).toHaveLength(1);
    expect(sink.counters.retryRounds).toBe(failures);
  });

  it('an unreachable node is retried until it is back', async () => {
    const index = await freshIndex();
    proxy.addRule({ times: 4, match: () => true, fault: { type: 'reset' } });
    const { sink } = sinkThroughProxy({ lingerMs: 0, initialMs: 20, maxMs: 100 });
    const r = await sink.write(docs(index, 10));
    expect(r.ok).toBe(10);
    expect(await countDocs(direct, index)).toBe(10);
  });
});
