import { afterAll, describe, expect, it } from 'vitest';
import type { WriteResult } from '../../../src/core/interfaces.js';
import { BulkSink } from '../../../src/sinks/search/bulk-sink.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { MemoryDeadLetters } from '../../unit/sink/memory-dead-letters.js';
import { indexOp, sinkConfig } from '../../unit/sink/ops.js';
import { countDocs, createIndex, deleteIndex, setSettings } from './support.js';

const client = searchClient();
const created: string[] = [];
afterAll(async () => {
  for (const i of created) await setSettings(client, i, { 'index.blocks.write': false }).catch(() => {});
  await deleteIndex(client, ...created);
  await client.close();
});

describe('backpressure (real node)', () => {
  it('a write-blocked index holds memory at maxBufferedBytes, makes the producer wait, and loses nothing', async () => {
    const index = uniqueName('sink_bp');
    created.push(index);
    await createIndex(client, index);
    await setSettings(client, index, { 'index.blocks.write': true });

    const maxBufferedBytes = 64 * 1024;
    const maxBytes = 16 * 1024;
    const dlq = new MemoryDeadLetters();
    const sink = new BulkSink({
      client,
      config: sinkConfig({
        maxDocs: 50,
        maxBytes,
        lingerMs: 20,
        concurrency: 2,
        maxBufferedBytes,
        initialMs: 50,
        maxMs: 500,
      }),
      deadLetters: dlq,
      pipeline: 'bp',
    });

    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, sink.bufferedBytes);
    }, 10);
    const results: Array<Promise<WriteResult>> = [];
    let produced = 0;
    let longestWait = 0;
    let acceptedWhileBlocked = 0;
    let blocked = true;
    const t0 = performance.now();
    const unblockAt = 10_000;
    const unblock = setTimeout(() => {
      acceptedWhileBlocked = produced;
      blocked = false;
      void setSettings(client, index, { 'index.blocks.write': false });
    }, unblockAt);

    // The producer: batches of 20 documents (~220 bytes each), as fast as the sink lets it.
    while (performance.now() - t0 < unblockAt + 1_500) {
      const batch = Array.from({ length: 20 }, (_, i) =>
        indexOp(index, String(produced + i), BigInt(produced + i + 1), {
          n: produced + i,
          body: 'x'.repeat(150),
        }),
      );
      const w0 = performance.now();
      const pending = await sink.submit(batch);
      longestWait = Math.max(longestWait, performance.now() - w0);
      peak = Math.max(peak, sink.bufferedBytes);
      results.push(pending.result);
      produced += batch.length;
    }
    clearTimeout(unblock);
    expect(blocked).toBe(false);

    const settled = await Promise.all(results);
    clearInterval(sample);
    const ok = settled.reduce((a, r) => a + r.ok, 0);
    expect(ok).toBe(produced);
    expect(dlq.entries).toHaveLength(0);
    expect(await countDocs(client, index)).toBe(produced);

    // memory stayed bounded while blocked, and the producer was the one that waited
    expect(peak).toBeLessThanOrEqual(maxBufferedBytes + maxBytes);
    expect(sink.highWaterBytes).toBeLessThanOrEqual(maxBufferedBytes + maxBytes);
    expect(acceptedWhileBlocked * 200).toBeLessThanOrEqual(maxBufferedBytes + maxBytes);
    expect(longestWait).toBeGreaterThan(5_000);
    expect(sink.counters.backpressureWaits).toBeGreaterThan(0);
    expect(sink.counters.retriedItems).toBeGreaterThan(0);
    expect(sink.counters.dead).toBe(0);
    expect(sink.bufferedBytes).toBe(0);
    await sink.close();
  }, 60_000);
});
