import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkSink } from '../../src/sinks/search/bulk-sink.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import { detectEngine } from '../../src/sinks/search/engine-compat.js';
import { encodeOp } from '../../src/sinks/search/request-builder.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { uniqueName } from '../helpers/stack.js';
import { allIds, countDocs, createIndex, deleteIndex, getDoc } from '../integration/sink/support.js';
import { MemoryDeadLetters } from '../unit/sink/memory-dead-letters.js';
import { deleteOp, indexOp, sinkConfig, truncateOp } from '../unit/sink/ops.js';
import { ENGINE, ENGINE_MAJOR, ENGINE_URL, engineReady, IS_ELASTICSEARCH } from './engine.js';

/** The bulk sink's write path on the project's engine: versions, 409/404, TRUNCATE, retries. */
const client = new SearchClient({ url: ENGINE_URL });
const created: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(() => engineReady(), 300_000);
afterAll(async () => {
  for (const c of open.reverse()) await c.close();
  await deleteIndex(client, ...created);
  await client.close();
});

async function freshSink(settings: Record<string, unknown> = {}, via = client) {
  const index = uniqueName(`conf_sink_${ENGINE.replace('-', '')}`);
  created.push(index);
  await createIndex(client, index, { settings: { 'index.gc_deletes': '1h', ...settings } });
  const dlq = new MemoryDeadLetters();
  const sink = new BulkSink({
    client: via,
    config: sinkConfig({ lingerMs: 0, initialMs: 20, maxMs: 200 }),
    deadLetters: dlq,
    pipeline: 'conformance',
  });
  open.push(sink);
  return { index, sink, dlq };
}

describe(`sink conformance on ${ENGINE} (${ENGINE_URL})`, () => {
  it('detects the engine and its major version', async () => {
    const p = await detectEngine(client);
    expect(p.info.engine).toBe(IS_ELASTICSEARCH ? 'elasticsearch' : 'opensearch');
    expect(p.info.major).toBe(ENGINE_MAJOR);
  });

  it('answers a stale versioned write with 409 and the delete of a missing document with 404, in the shape the sink reads', async () => {
    const { index } = await freshSink();
    const p = await detectEngine(client);
    const body =
      encodeOp(indexOp(index, '1', 2n, { a: 1 })).lines +
      encodeOp(indexOp(index, '1', 1n, { a: 0 })).lines +
      encodeOp(deleteOp(index, 'never', 5n)).lines;
    const res = await client.request('POST', `/_bulk${p.bulkQuery('false')}`, body, {
      contentType: p.bulkContentType,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      errors: true,
      items: [
        { index: { status: 201 } },
        {
          index: {
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: expect.stringContaining('version') },
          },
        },
        { delete: { status: 404 } },
      ],
    });
  });

  it('versioned upserts and deletes: replays and reordering never regress a document; tombstones refuse older writes', async () => {
    const { index, sink, dlq } = await freshSink();
    const outcomes: string[] = [];
    for (const v of [3n, 1n, 5n, 2n, 5n])
      outcomes.push(...(await sink.write([indexOp(index, 'k', v, { v: Number(v) })])).outcomes);
    expect(outcomes).toEqual(['ok', 'stale', 'ok', 'stale', 'stale']);
    expect(await getDoc(client, index, 'k')).toMatchObject({ found: true, version: 5, source: { v: 5 } });

    const r = await sink.write([
      deleteOp(index, 'k', 4n), // older than the document: refused
      deleteOp(index, 'gone', 7n), // never existed: 404 counts as deleted, leaves a tombstone
      indexOp(index, 'gone', 6n, { v: 6 }), // older than the tombstone
      deleteOp(index, 'k', 9n),
      indexOp(index, 'k', 8n, { v: 8 }), // replayed after the newer delete
    ]);
    expect(r.outcomes).toEqual(['stale', 'ok', 'stale', 'ok', 'stale']);
    expect((await getDoc(client, index, 'k')).found).toBe(false);
    expect((await getDoc(client, index, 'gone')).found).toBe(false);
    expect((await sink.write([indexOp(index, 'k', 10n, { v: 10 })])).outcomes).toEqual(['ok']);
    expect(await getDoc(client, index, 'k')).toMatchObject({ found: true, version: 10 });
    // versions past 2^53 are compared exactly
    const base = (1n << 62n) + 1n;
    expect((await sink.write([indexOp(index, 'big', base + 1n, { label: 'newer' })])).outcomes).toEqual([
      'ok',
    ]);
    expect((await sink.write([indexOp(index, 'big', base, { label: 'older' })])).outcomes).toEqual(['stale']);
    expect(dlq.entries).toHaveLength(0);
  });

  it('the truncate barrier and the versioned TRUNCATE: before removed, after kept, a replay removes nothing newer', async () => {
    const { index, sink } = await freshSink({ number_of_shards: 2 });
    const older = Array.from({ length: 30 }, (_, i) => indexOp(index, `o${i}`, BigInt(i + 1), { i }));
    const newerIds = ['n0', 'n1', 'n2'];
    const newer = newerIds.map((id, i) => indexOp(index, id, BigInt(100 + i), { i }));
    const r = await sink.write([...older, truncateOp(index, 50n), ...newer]);
    expect(r.outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect((await allIds(client, index)).sort()).toEqual(newerIds);

    // replay from a checkpoint before the TRUNCATE: nothing newer goes, the older inserts stay deleted
    const replay = await sink.write([...older.slice(0, 3), truncateOp(index, 50n), ...newer]);
    expect(replay.outcomes).toEqual(['stale', 'stale', 'stale', 'ok', 'stale', 'stale', 'stale']);
    expect((await allIds(client, index)).sort()).toEqual(newerIds);
    // a TRUNCATE of an index that does not exist is a no-op
    expect((await sink.write([truncateOp(uniqueName('conf_missing'), 1n)])).outcomes).toEqual(['ok']);
  });

  it('retries through the fault proxy: item-level 429/503, whole-request 503 and a reset; everything lands once', async () => {
    const proxy = await FaultProxy.start(ENGINE_URL);
    open.push(proxy);
    const via = new SearchClient({ url: proxy.url });
    open.push(via);
    const { index, sink, dlq } = await freshSink({}, via);
    const failOnce = new Set(['3', '17', '42']);
    proxy.addRule({
      times: 1,
      fault: { type: 'items', status: 429, select: (item) => item.id !== undefined && failOnce.has(item.id) },
    });
    proxy.addRule({ times: 1, fault: { type: 'status', status: 503 } });
    proxy.addRule({ times: 1, fault: { type: 'reset' } });
    const docs = Array.from({ length: 60 }, (_, i) => indexOp(index, `${i}`, BigInt(i + 1), { n: i }));
    const r = await sink.write(docs);
    expect(r.ok + r.stale).toBe(60);
    expect(dlq.entries).toHaveLength(0);
    const bulks = proxy.bulkRequests();
    expect(bulks.slice(0, 3).map((b) => b.fault)).toEqual(['items', 'status', 'reset']);
    expect(new Set(bulks[0]!.failedIds)).toEqual(failOnce);
    expect(sink.counters.retriedItems).toBeGreaterThanOrEqual(3);
    expect(await countDocs(client, index)).toBe(60);
  });
});
