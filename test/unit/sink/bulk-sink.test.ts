import { afterEach, describe, expect, it } from 'vitest';
import type { IndexOp } from '../../../src/core/interfaces.js';
import { BulkSink } from '../../../src/sinks/search/bulk-sink.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { MemoryDeadLetters } from './memory-dead-letters.js';
import { MockEngine, type MockEngineOptions } from './mock-engine.js';
import { deleteOp, indexOp, sinkConfig, truncateOp } from './ops.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(engineOpts: MockEngineOptions, config: Parameters<typeof sinkConfig>[0] = {}) {
  const engine = await MockEngine.start(engineOpts);
  const client = new SearchClient({ url: engine.url, connections: 32, requestTimeoutMs: 5_000 });
  const dlq = new MemoryDeadLetters();
  const sink = new BulkSink({ client, config: sinkConfig(config), deadLetters: dlq, pipeline: 'unit' });
  cleanups.push(async () => {
    await sink.close().catch(() => {});
    await client.close();
    await engine.close();
  });
  return { engine, client, dlq, sink };
}

/** Polls `check` every 5 ms until it holds; fails after `ms`. */
async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > ms) throw new Error(`not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ops = (n: number, from = 0, size = 10): IndexOp[] =>
  Array.from({ length: n }, (_, i) =>
    indexOp('idx', String(from + i), BigInt(from + i + 1), { pad: 'x'.repeat(size) }),
  );

describe('BulkSink batching', () => {
  it('cuts batches at maxDocs', async () => {
    const { engine, sink } = await setup({}, { maxDocs: 10, lingerMs: 5 });
    const r = await sink.write(ops(95));
    expect(r.ok).toBe(95);
    expect(r.outcomes.every((o) => o === 'ok')).toBe(true);
    expect(engine.bulks.map((b) => b.items.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(sink.counters.bulkRequests).toBe(10);
    expect(sink.counters.docsOk).toBe(95);
  });

  it('cuts batches at maxBytes (a larger single document goes alone)', async () => {
    const { engine, sink } = await setup({}, { maxBytes: 2048, lingerMs: 5 });
    const small = ops(40, 0, 100); // ~180 bytes each
    const big = indexOp('idx', 'big', 1n, { pad: 'y'.repeat(5000) });
    await sink.write([...small, big, ...ops(5, 100, 100)]);
    for (const b of engine.bulks) {
      if (b.ids.includes('big')) expect(b.ids).toEqual(['big']);
      else expect(b.bytes).toBeLessThanOrEqual(2048);
    }
    expect(engine.bulks.flatMap((b) => b.ids)).toHaveLength(46);
    expect(engine.bulks.length).toBeGreaterThan(4);
  });

  it('sends a partial batch at once when no request is in flight (the linger is for a busy engine)', async () => {
    const { engine, sink } = await setup({}, { maxDocs: 100, lingerMs: 60_000 });
    const t0 = performance.now();
    const r = await sink.write(ops(3));
    expect(r.ok).toBe(3);
    expect(performance.now() - t0).toBeLessThan(5_000); // not the 60 s linger
    expect(engine.bulks).toHaveLength(1);
  });

  it('while a request is in flight, holds a partial batch for lingerMs, then sends it', async () => {
    const { engine, sink } = await setup({ delayMs: 3_000 }, { maxDocs: 100, lingerMs: 300 });
    const busy = sink.write(ops(3)); // idle sink: sent at once, answered after 3 s
    await waitFor(() => engine.bulks.length === 1, 2_000);
    const t0 = performance.now();
    // writes arriving within the linger window join the same batch
    const a = sink.write(ops(2, 10));
    const b = sink.write(ops(2, 20));
    await waitFor(() => engine.bulks.length === 2, 2_500);
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(280); // it lingered…
    expect(engine.bulks[0]!.ids).toEqual(['0', '1', '2']); // …while the first request was still in flight
    expect(engine.bulks[1]!.ids).toEqual(['10', '11', '20', '21']);
    expect((await Promise.all([busy, a, b])).map((r) => r.ok)).toEqual([3, 2, 2]);
  });

  it('flush() sends without waiting for the linger', async () => {
    const { engine, sink } = await setup({}, { maxDocs: 100, lingerMs: 60_000 });
    const p = sink.write(ops(3));
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await sink.flush();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((await p).ok).toBe(3);
    expect(engine.bulks).toHaveLength(1);
  });

  it('keeps at most `concurrency` requests in flight, and uses them', async () => {
    const { engine, sink } = await setup({ delayMs: 80 }, { maxDocs: 5, lingerMs: 0, concurrency: 3 });
    const writes = Array.from({ length: 10 }, (_, i) => sink.write(ops(5, i * 5)));
    const results = await Promise.all(writes);
    expect(results.reduce((a, r) => a + r.ok, 0)).toBe(50);
    expect(engine.maxConcurrent).toBe(3);
    expect(engine.bulks).toHaveLength(10);
  });

  it('records latency counters and calls onBulk', async () => {
    const engine = await MockEngine.start({ delayMs: 20 });
    const client = new SearchClient({ url: engine.url });
    const seen: Array<[number, number]> = [];
    const sink = new BulkSink({
      client,
      config: sinkConfig({ maxDocs: 4, lingerMs: 0 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'unit',
      onBulk: (ms, items) => seen.push([ms, items]),
    });
    cleanups.push(async () => {
      await sink.close();
      await client.close();
      await engine.close();
    });
    await sink.write(ops(10));
    expect(seen.map(([, n]) => n).sort()).toEqual([2, 4, 4]);
    const h = sink.counters.bulkLatency;
    expect(h.count).toBe(3);
    expect(h.samples).toHaveLength(3);
    expect(h.buckets.reduce((a, b) => a + b, 0)).toBe(3);
    expect(h.sumMs).toBeGreaterThanOrEqual(60);
    expect(sink.counters.bytesSent).toBe(engine.bulks.reduce((a, b) => a + b.bytes, 0));
  });
});

describe('BulkSink failures', () => {
  it('re-sends only the failed items, after a backoff', async () => {
    const failed = new Map<string, number>();
    const { engine, sink } = await setup(
      {
        item: (it) => {
          if (['3', '7'].includes(it.id) && (failed.get(it.id) ?? 0) < 2) {
            failed.set(it.id, (failed.get(it.id) ?? 0) + 1);
            return {
              status: it.id === '3' ? 429 : 503,
              error: { type: 'es_rejected_execution_exception', reason: 'busy' },
            };
          }
          return undefined;
        },
      },
      { lingerMs: 0, initialMs: 20, maxMs: 50 },
    );
    const r = await sink.write(ops(10));
    expect(r.ok).toBe(10);
    expect(r.retried).toBe(4);
    expect(engine.bulks.map((b) => b.ids)).toEqual([
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      ['3', '7'],
      ['3', '7'],
    ]);
    expect(sink.counters.retriedItems).toBe(4);
    expect(sink.counters.retryRounds).toBe(2);
  });

  it('classifies stale, deleted-missing and dead items', async () => {
    const { dlq, sink } = await setup(
      {
        item: (it) =>
          it.id === 's'
            ? { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'v' } }
            : it.id === 'm'
              ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad price' } }
              : it.id === 'g'
                ? { status: 404 }
                : undefined,
      },
      { lingerMs: 0 },
    );
    const r = await sink.write([
      indexOp('idx', 'a', 1n, {}),
      indexOp('idx', 's', 1n, {}),
      indexOp('idx', 'm', 1n, { price: 'abc' }),
      deleteOp('idx', 'g', 2n),
    ]);
    expect(r.outcomes).toEqual(['ok', 'stale', 'dead', 'ok']);
    expect(dlq.entries).toHaveLength(1);
    expect(dlq.entries[0]).toMatchObject({
      pipeline: 'unit',
      index: 'idx',
      docId: 'm',
      kind: 'mapping',
      attempts: 1,
    });
    expect(dlq.entries[0]!.error).toContain('mapper_parsing_exception: bad price');
    expect(dlq.entries[0]!.event.source.position.version).toBe(1n);
  });

  it('dead-letters items still failing after maxAttempts as retries-exhausted', async () => {
    const { engine, dlq, sink } = await setup(
      {
        item: (it) =>
          it.id === '1'
            ? { status: 503, error: { type: 'unavailable_shards_exception', reason: 'x' } }
            : undefined,
      },
      { lingerMs: 0, initialMs: 5, maxMs: 10, maxAttempts: 3 },
    );
    const r = await sink.write(ops(3));
    expect(r.outcomes).toEqual(['ok', 'dead', 'ok']);
    expect(engine.bulks.filter((b) => b.ids.includes('1'))).toHaveLength(3);
    expect(dlq.entries[0]).toMatchObject({ kind: 'retries-exhausted', attempts: 3, docId: '1' });
    expect(dlq.entries[0]!.error).toContain('503');
  });

  it('retries a failing dead-letter store and resolves only once the put succeeded', async () => {
    const { dlq, sink } = await setup(
      { item: () => ({ status: 400, error: { type: 'strict_dynamic_mapping_exception', reason: 'no' } }) },
      { lingerMs: 0, initialMs: 5, maxMs: 20 },
    );
    dlq.failNext(4);
    const r = await sink.write(ops(1));
    expect(r.outcomes).toEqual(['dead']);
    expect(dlq.putCalls).toBe(5);
    expect(dlq.entries).toHaveLength(1);
    expect(sink.counters.dlqPutFailures).toBe(4);
  });

  it('retries the whole request on 429/503 and on connection errors', async () => {
    let n = 0;
    const { engine, sink } = await setup(
      { requestStatus: () => (++n <= 2 ? (n === 1 ? 429 : 503) : undefined) },
      { lingerMs: 0, initialMs: 5, maxMs: 20 },
    );
    const r = await sink.write(ops(4));
    expect(r.ok).toBe(4);
    expect(r.retried).toBe(8);
    expect(engine.bulks.map((b) => b.ids.length)).toEqual([4, 4, 4]);
    expect(sink.counters.bulkFailures).toBe(2);

    // an engine that is not there at all: retried until it shows up
    const client = new SearchClient({ url: 'http://127.0.0.1:9', requestTimeoutMs: 500 });
    const sink2 = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 0, initialMs: 5, maxMs: 20, maxAttempts: 3 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'unit',
    });
    const r2 = await sink2.write(ops(2));
    expect(r2.outcomes).toEqual(['dead', 'dead']);
    await sink2.close();
    await client.close();
  });

  it('splits a batch refused with 413 and dead-letters a single document that is too large', async () => {
    const { engine, dlq, sink } = await setup(
      { requestStatus: (b) => (b.bytes > 1500 ? 413 : undefined) },
      { lingerMs: 0, maxBytes: 100_000 },
    );
    const r = await sink.write([...ops(16, 0, 100), indexOp('idx', 'huge', 1n, { pad: 'z'.repeat(3000) })]);
    expect(r.ok).toBe(16);
    expect(r.dead).toBe(1);
    expect(dlq.entries[0]).toMatchObject({ docId: 'huge', kind: 'rejected' });
    const landed = engine.bulks.filter((b) => b.bytes <= 1500).flatMap((b) => b.ids);
    expect(new Set(landed).size).toBe(16);
  });

  it('dead-letters invalid ops without sending them', async () => {
    const { engine, dlq, sink } = await setup({}, { lingerMs: 0 });
    const r = await sink.write([indexOp('idx', '', 1n, {}), indexOp('idx', 'ok', 1n, {})]);
    expect(r.outcomes).toEqual(['dead', 'ok']);
    expect(dlq.entries[0]).toMatchObject({ kind: 'rejected', attempts: 0 });
    expect(engine.bulks.flatMap((b) => b.ids)).toEqual(['ok']);
  });
});

describe('BulkSink ordering, backpressure, lifecycle', () => {
  it('a truncate waits for everything before it and holds back everything after it', async () => {
    let fail = true;
    const { engine, sink } = await setup(
      {
        delayMs: 20,
        item: (it) => {
          if (it.id === 'b1' && fail) {
            fail = false;
            return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'x' } };
          }
          return undefined;
        },
      },
      { lingerMs: 0, maxDocs: 2, concurrency: 4, initialMs: 50, maxMs: 50 },
    );
    const r = await sink.write([
      indexOp('idx', 'b1', 1n, {}),
      indexOp('idx', 'b2', 2n, {}),
      indexOp('idx', 'b3', 3n, {}),
      truncateOp('idx', 4n),
      indexOp('idx', 'a1', 5n, {}),
      deleteOp('idx', 'a2', 6n),
    ]);
    expect(r.outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const refresh = engine.log.indexOf('refresh:idx');
    const scan = engine.log.indexOf('scan:idx');
    expect(refresh).toBeGreaterThan(0);
    expect(scan).toBe(refresh + 1);
    const before = engine.log.slice(0, refresh).join(';');
    expect(before).toContain('b1'); // first try and the retry both came before
    expect(engine.log.slice(0, refresh).filter((l) => l.includes('b1'))).toHaveLength(2);
    // the truncate's versioned deletes of what it found, its closing refresh, then what came after it
    const deletes = engine.bulks.find((b) =>
      b.items.every((i) => i.action === 'delete' && i.version === '4'),
    );
    expect(deletes?.ids.slice().sort()).toEqual(['b1', 'b2', 'b3']);
    expect(engine.log.slice(scan + 1)).toEqual([
      `bulk:${deletes!.ids.join(',')}`,
      'refresh:idx',
      'bulk:a1,a2',
    ]);
    expect(sink.counters.truncates).toBe(1);
  });

  it('accepts concurrent writes in call order under backpressure: a later truncate follows all earlier ops', async () => {
    const { engine, sink } = await setup(
      { delayMs: 10 },
      { maxDocs: 4, lingerMs: 0, maxBufferedBytes: 400, concurrency: 1 },
    );
    const earlier = ops(12, 0, 10);
    // not awaited one after the other: the second write is called while the first waits for space
    const a = sink.write(earlier);
    const b = sink.write([truncateOp('idx', 100n), indexOp('idx', 'late', 101n, {})]);
    await Promise.all([a, b]);
    const refresh = engine.log.indexOf('refresh:idx');
    expect(refresh).toBeGreaterThan(0);
    const sentBefore = engine.log
      .slice(0, refresh)
      .flatMap((l) => (l.startsWith('bulk:') ? l.slice(5).split(',') : []));
    expect(sentBefore.sort()).toEqual(earlier.map((_, i) => String(i)).sort());
    expect(engine.log.at(-1)).toBe('bulk:late');
  });

  it('makes producers wait when the buffer is full and never exceeds maxBufferedBytes', async () => {
    const { sink } = await setup(
      { delayMs: 30 },
      { maxDocs: 10, lingerMs: 5, maxBufferedBytes: 4096, concurrency: 1 },
    );
    const max = 4096;
    let peak = 0;
    const results: Array<Promise<unknown>> = [];
    const t0 = performance.now();
    for (let i = 0; i < 60; i++) {
      const pending = await sink.submit(ops(5, i * 5, 60));
      results.push(pending.result);
      peak = Math.max(peak, sink.bufferedBytes);
    }
    await Promise.all(results);
    expect(peak).toBeLessThanOrEqual(max);
    expect(sink.highWaterBytes).toBeLessThanOrEqual(max);
    expect(sink.counters.backpressureWaits).toBeGreaterThan(0);
    expect(sink.counters.backpressureWaitMs).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeGreaterThan(100);
    expect(sink.bufferedBytes).toBe(0);
    expect(sink.counters.docsOk).toBe(300);
  });

  it('an aborted write rejects, stops retrying and releases its buffer', async () => {
    const { engine, sink } = await setup(
      { requestStatus: () => 503 },
      { lingerMs: 0, initialMs: 20, maxMs: 40 },
    );
    const ac = new AbortController();
    const p = sink.write(ops(3), ac.signal);
    await new Promise((r) => setTimeout(r, 200));
    const sent = engine.bulks.length;
    expect(sent).toBeGreaterThan(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 200));
    expect(engine.bulks.length).toBeLessThanOrEqual(sent + 1); // at most the one in flight
    expect(sink.bufferedBytes).toBe(0);
  });

  it('the sink signal stops everything; close() is graceful and refuses new writes', async () => {
    const engine = await MockEngine.start({ delayMs: 10 });
    const client = new SearchClient({ url: engine.url });
    const sink = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 10_000 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'unit',
    });
    const p = sink.write(ops(7));
    await new Promise((r) => setTimeout(r, 20));
    await sink.close(); // does not wait for the 10 s linger
    expect((await p).ok).toBe(7);
    await expect(sink.write(ops(1))).rejects.toThrow(/closed/);

    const ac = new AbortController();
    const stopped = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 0, initialMs: 10, maxMs: 20 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'unit',
      signal: ac.signal,
    });
    const engine503 = engine.opts;
    (engine503 as { requestStatus?: () => number }).requestStatus = () => 503;
    const q = stopped.write(ops(2));
    setTimeout(() => ac.abort(), 100);
    await expect(q).rejects.toMatchObject({ name: 'AbortError' });
    await stopped.close();
    await client.close();
    await engine.close();
  });
});
