import { afterAll, describe, expect, it } from 'vitest';
import { BulkSink } from '../../../src/sinks/search/bulk-sink.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { MemoryDeadLetters } from '../../unit/sink/memory-dead-letters.js';
import { deleteOp, indexOp, sinkConfig, truncateOp } from '../../unit/sink/ops.js';
import { allIds, countDocs, createIndex, deleteIndex, getDoc } from './support.js';

const client = searchClient();
const created: string[] = [];
afterAll(async () => {
  await deleteIndex(client, ...created);
  await client.close();
});

async function setup(settings: Record<string, unknown> = {}) {
  const index = uniqueName('sink_ver');
  created.push(index);
  await createIndex(client, index, { settings });
  const dlq = new MemoryDeadLetters();
  const sink = new BulkSink({
    client,
    config: sinkConfig({ lingerMs: 0 }),
    deadLetters: dlq,
    pipeline: 'ver',
  });
  return { index, sink, dlq };
}

describe('external versioning (real node)', () => {
  it('duplicate and out-of-order delivery of one key leaves the newest version', async () => {
    const { index, sink } = await setup();
    const order = [3n, 1n, 5n, 2n, 5n, 4n];
    const outcomes = [];
    for (const v of order)
      outcomes.push(...(await sink.write([indexOp(index, 'k', v, { v: Number(v) })])).outcomes);
    expect(outcomes).toEqual(['ok', 'stale', 'ok', 'stale', 'stale', 'stale']);
    expect(await getDoc(client, index, 'k')).toMatchObject({ found: true, version: 5, source: { v: 5 } });

    // the same within one bulk request
    const r = await sink.write([
      indexOp(index, 'j', 7n, { v: 7 }),
      indexOp(index, 'j', 6n, { v: 6 }),
      indexOp(index, 'j', 8n, { v: 8 }),
      indexOp(index, 'j', 8n, { v: 8 }),
    ]);
    expect(r.outcomes).toEqual(['ok', 'stale', 'ok', 'stale']);
    expect(await getDoc(client, index, 'j')).toMatchObject({ version: 8, source: { v: 8 } });
    await sink.close();
  });

  it('versions beyond 2^53 are compared exactly', async () => {
    const { index, sink } = await setup();
    const base = (1n << 62n) + 1n;
    expect((await sink.write([indexOp(index, 'big', base + 1n, { v: 'newer' })])).outcomes).toEqual(['ok']);
    // base differs from base+1 only in the last bit: a Number conversion would make them equal
    expect((await sink.write([indexOp(index, 'big', base, { v: 'older' })])).outcomes).toEqual(['stale']);
    expect((await getDoc(client, index, 'big')).source).toEqual({ v: 'newer' });
    // read the raw JSON: JSON.parse would round the version
    const raw = await (await client.pool.request({ method: 'GET', path: `/${index}/_doc/big` })).body.text();
    expect(raw).toContain(`"_version":${base + 1n}`);
    await sink.close();
  });

  it('a delete (v10) followed by an older replayed index (v5) does not resurrect the document (gc_deletes 1h)', async () => {
    const { index, sink } = await setup({ 'index.gc_deletes': '1h' });
    expect((await sink.write([indexOp(index, 'd', 3n, { v: 3 })])).outcomes).toEqual(['ok']);
    expect((await sink.write([deleteOp(index, 'd', 10n)])).outcomes).toEqual(['ok']);
    expect((await sink.write([indexOp(index, 'd', 5n, { v: 5 })])).outcomes).toEqual(['stale']);
    expect((await getDoc(client, index, 'd')).found).toBe(false);

    // a delete that arrives before the document ever existed still leaves a versioned tombstone
    expect((await sink.write([deleteOp(index, 'e', 10n)])).outcomes).toEqual(['ok']);
    expect((await sink.write([indexOp(index, 'e', 5n, { v: 5 })])).outcomes).toEqual(['stale']);
    expect((await getDoc(client, index, 'e')).found).toBe(false);
    // a newer change after the delete is applied
    expect((await sink.write([indexOp(index, 'e', 11n, { v: 11 })])).outcomes).toEqual(['ok']);
    expect(await getDoc(client, index, 'e')).toMatchObject({ found: true, version: 11 });
    await sink.close();
  });

  it('outside the gc_deletes window the tombstone is gone and an old replay resurrects (why gc_deletes matters)', async () => {
    const { index, sink } = await setup({ 'index.gc_deletes': '0s' });
    await sink.write([indexOp(index, 'd', 3n, { v: 3 })]);
    expect((await sink.write([deleteOp(index, 'd', 10n)])).outcomes).toEqual(['ok']);
    // tombstones are pruned on refresh once older than gc_deletes
    await new Promise((r) => setTimeout(r, 1_000));
    await client.request('POST', `/${index}/_refresh`);
    expect((await sink.write([indexOp(index, 'd', 5n, { v: 5 })])).outcomes).toEqual(['ok']);
    expect(await getDoc(client, index, 'd')).toMatchObject({ found: true, version: 5 });
    await sink.close();
  });

  it('a truncate removes what came before it and keeps what came after it', async () => {
    const { index, sink } = await setup();
    const before = Array.from({ length: 20 }, (_, i) => indexOp(index, `b${i}`, BigInt(i + 1), { i }));
    const after = [indexOp(index, 'a1', 100n, { i: 1 }), indexOp(index, 'a2', 101n, { i: 2 })];
    const r = await sink.write([...before, truncateOp(index, 50n), ...after]);
    expect(r.ok).toBe(23);
    expect((await allIds(client, index)).sort()).toEqual(['a1', 'a2']);
    // truncating an index that does not exist is a no-op
    expect((await sink.write([truncateOp(uniqueName('sink_missing'), 1n)])).outcomes).toEqual(['ok']);
    expect(await countDocs(client, index)).toBe(2);
    await sink.close();
  });

  it('a truncate replayed after newer documents (restart before its checkpoint) removes none of them', async () => {
    const { index, sink } = await setup({ 'index.gc_deletes': '1h' });
    const older = Array.from({ length: 5 }, (_, i) => indexOp(index, `o${i}`, BigInt(i + 1), { i }));
    const newerIds = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const newer = newerIds.map((id, i) => indexOp(index, id, BigInt(100 + i), { i }));
    await sink.write([...older, truncateOp(index, 50n), ...newer]);
    expect((await allIds(client, index)).sort()).toEqual(newerIds);

    // the replay from a checkpoint before the TRUNCATE: the TRUNCATE, then the same inserts again
    const replay = await sink.write([truncateOp(index, 50n), ...newer]);
    expect(replay.outcomes).toEqual(['ok', ...newer.map(() => 'stale')]);
    expect((await allIds(client, index)).sort()).toEqual(newerIds);
    for (const [i, id] of newerIds.entries()) expect((await getDoc(client, index, id)).version).toBe(100 + i);

    // a replay from before the older inserts: they stay deleted (the truncate's tombstones refuse them)
    const again = await sink.write([...older, truncateOp(index, 50n)]);
    expect(again.outcomes).toEqual([...older.map(() => 'stale'), 'ok']);
    expect(await countDocs(client, index)).toBe(10);
    await sink.close();
  });

  it('a truncate removes routed documents on every shard, in pages', async () => {
    const { index } = await setup({ number_of_shards: 3 });
    const sink = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 0 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'ver',
    });
    const docs = Array.from({ length: 2_500 }, (_, i) => ({
      ...indexOp(index, `r${i}`, BigInt(i + 1), { i }),
      routing: `tenant-${i % 7}`,
    }));
    await sink.write(docs);
    const late = { ...indexOp(index, 'late', 5_000n, { i: -1 }), routing: 'tenant-3' };
    await sink.write([late]);
    expect((await sink.write([truncateOp(index, 4_000n)])).outcomes).toEqual(['ok']);
    expect(await allIds(client, index)).toEqual(['late']);
    await sink.close();
  });
});
