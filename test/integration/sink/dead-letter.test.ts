import { afterAll, describe, expect, it } from 'vitest';
import type { IndexOp } from '../../../src/core/interfaces.js';
import { BulkSink } from '../../../src/sinks/search/bulk-sink.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { MemoryDeadLetters } from '../../unit/sink/memory-dead-letters.js';
import { indexOp, sinkConfig } from '../../unit/sink/ops.js';
import { createIndex, deleteIndex, getDoc } from './support.js';

const client = searchClient();
const created: string[] = [];
afterAll(async () => {
  await deleteIndex(client, ...created);
  await client.close();
});

describe('mapping conflicts (real node)', () => {
  it('dead-letters only the bad event; later events land; replay after the fix lands it', async () => {
    const index = uniqueName('sink_dlq');
    const fixed = `${index}_v2`;
    created.push(index, fixed);
    await createIndex(client, index, {
      mappings: { properties: { price: { type: 'long' }, name: { type: 'keyword' } } },
    });
    const dlq = new MemoryDeadLetters();
    const sink = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 0 }),
      deadLetters: dlq,
      pipeline: 'catalog',
    });

    const r1 = await sink.write([
      indexOp(index, 'p1', 10n, { name: 'pen', price: 3 }),
      indexOp(index, 'p2', 11n, { name: 'ink', price: 'abc' }),
      indexOp(index, 'p3', 12n, { name: 'pad', price: 7 }),
    ]);
    expect(r1.outcomes).toEqual(['ok', 'dead', 'ok']);
    const r2 = await sink.write([indexOp(index, 'p4', 13n, { name: 'cap', price: 1 })]);
    expect(r2.outcomes).toEqual(['ok']);

    expect(dlq.entries).toHaveLength(1);
    const entry = dlq.entries[0]!;
    expect(entry).toMatchObject({ pipeline: 'catalog', index, docId: 'p2', kind: 'mapping', attempts: 1 });
    expect(entry.error).toMatch(/mapper_parsing_exception|document_parsing_exception/);
    expect(entry.error).toContain('price');
    expect(entry.event.after).toMatchObject({ name: 'ink', price: 'abc' });
    for (const id of ['p1', 'p3', 'p4']) expect((await getDoc(client, index, id)).found).toBe(true);
    expect((await getDoc(client, index, 'p2')).found).toBe(false);

    // Replay 1: the mapping is fixed in a new index version (price as keyword) and the event re-applied there.
    await createIndex(client, fixed, {
      mappings: { properties: { price: { type: 'keyword' }, name: { type: 'keyword' } } },
    });
    const version = entry.event.source.position.version;
    const replay: IndexOp = indexOp(fixed, entry.docId!, version, { ...entry.event.after });
    expect((await sink.write([replay])).outcomes).toEqual(['ok']);
    expect((await getDoc(client, fixed, 'p2')).source).toMatchObject({ price: 'abc' });

    // Replay 2: the producer's data was fixed; the corrected document is applied with the event's version.
    const corrected = indexOp(index, entry.docId!, version, { ...entry.event.after, price: 12 });
    expect((await sink.write([corrected])).outcomes).toEqual(['ok']);
    const doc = await getDoc(client, index, 'p2');
    expect(doc).toMatchObject({ found: true, version: Number(version), source: { price: 12 } });
    expect(await dlq.remove([entry.id!])).toBe(1);
    expect(sink.counters.dead).toBe(1);
    await sink.close();
  });

  it('a strict mapping rejects unknown fields as a mapping dead letter', async () => {
    const index = uniqueName('sink_strict');
    created.push(index);
    await createIndex(client, index, {
      mappings: { dynamic: 'strict', properties: { a: { type: 'long' } } },
    });
    const dlq = new MemoryDeadLetters();
    const sink = new BulkSink({
      client,
      config: sinkConfig({ lingerMs: 0 }),
      deadLetters: dlq,
      pipeline: 'p',
    });
    const r = await sink.write([
      indexOp(index, '1', 1n, { a: 1 }),
      indexOp(index, '2', 1n, { a: 1, b: 'x' }),
    ]);
    expect(r.outcomes).toEqual(['ok', 'dead']);
    expect(dlq.entries[0]).toMatchObject({ kind: 'mapping', docId: '2' });
    expect(dlq.entries[0]!.error).toContain('strict_dynamic_mapping_exception');
    await sink.close();
  });
});
