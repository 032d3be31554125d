import { describe, expect, it } from 'vitest';
import { BatchingLogWriter, type LogDoc } from '../../../src/server/logs/log-writer.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';

type Reply = (ids: string[]) => { status: number; body: unknown } | Error;

/** A stand-in engine: answers the template PUT, then each _bulk with the next scripted reply. */
function fakeEngine(script: Reply[]) {
  const bulks: string[][] = [];
  const client = {
    async request(method: string, path: string, body?: unknown) {
      if (method === 'PUT' && path.startsWith('/_index_template/'))
        return { status: 200, body: { acknowledged: true } };
      const lines = String(body).trim().split('\n');
      const ids = lines.filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l).create._id as string);
      bulks.push(ids);
      const reply = (script[bulks.length - 1] ?? ok)(ids);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  } as unknown as SearchClient;
  return { client, bulks };
}
const ok: Reply = (ids) => ({ status: 200, body: { items: ids.map(() => ({ create: { status: 201 } })) } });

const docs = (n: number, day = '2025-01-01'): LogDoc[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `id-${day}-${i}`,
    ts: `${day}T00:00:0${i % 10}Z`,
    level: 'info',
    service: 's',
    message: `m${i}`,
  }));

const opts = {
  indexPrefix: 'logs-',
  batchMaxDocs: 100,
  lingerMs: 5,
  maxPendingRecords: 1000,
  maxAttempts: 4,
};

describe('BatchingLogWriter', () => {
  it('batches records of concurrent writes into one _bulk to the daily index', async () => {
    const { client, bulks } = fakeEngine([]);
    const w = new BatchingLogWriter(client, opts);
    const [a, b] = await Promise.all([w.write(docs(3)), w.write(docs(2, '2025-01-02'))]);
    expect(a).toEqual({ written: 3, rejected: [] });
    expect(b).toEqual({ written: 2, rejected: [] });
    expect(bulks).toHaveLength(1);
    await w.close();
  });

  it('retries 429 items and transport errors with the same ids; a 409 on retry counts as written', async () => {
    const { client, bulks } = fakeEngine([
      (ids) => ({
        status: 200,
        body: { items: ids.map((_, i) => ({ create: i === 0 ? { status: 429 } : { status: 201 } })) },
      }),
      () => new Error('ECONNRESET'),
      (ids) => ({ status: 200, body: { items: ids.map(() => ({ create: { status: 409 } })) } }),
    ]);
    const w = new BatchingLogWriter(client, opts);
    expect(await w.write(docs(3))).toEqual({ written: 3, rejected: [] });
    expect(bulks).toEqual([
      ['id-2025-01-01-0', 'id-2025-01-01-1', 'id-2025-01-01-2'],
      ['id-2025-01-01-0'],
      ['id-2025-01-01-0'],
    ]);
    await w.close();
  });

  it('reports per-record rejections (mapping errors) by position', async () => {
    const { client } = fakeEngine([
      (ids) => ({
        status: 200,
        body: {
          items: ids.map((_, i) =>
            i === 1
              ? { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } }
              : { create: { status: 201 } },
          ),
        },
      }),
    ]);
    const w = new BatchingLogWriter(client, opts);
    expect(await w.write(docs(3))).toEqual({
      written: 2,
      rejected: [{ index: 1, reason: 'mapper_parsing_exception: bad' }],
    });
    await w.close();
  });

  it('gives up after maxAttempts with 503, and refuses writes beyond maxPendingRecords', async () => {
    const down = fakeEngine(Array.from({ length: 10 }, () => () => new Error('ECONNREFUSED')));
    const w = new BatchingLogWriter(down.client, opts);
    await expect(w.write(docs(2))).rejects.toMatchObject({ code: 'SYNC_S3007' });
    expect(down.bulks).toHaveLength(4);
    const small = new BatchingLogWriter(fakeEngine([]).client, { ...opts, maxPendingRecords: 5 });
    await expect(small.write(docs(6))).rejects.toMatchObject({ code: 'SYNC_S3007' });
    await w.close();
    await small.close();
  });

  it('close() flushes what is queued', async () => {
    const { client, bulks } = fakeEngine([]);
    const w = new BatchingLogWriter(client, { ...opts, lingerMs: 60_000 });
    const pending = w.write(docs(4));
    await new Promise((r) => setTimeout(r, 20));
    expect(bulks).toHaveLength(0);
    await w.close();
    expect(await pending).toEqual({ written: 4, rejected: [] });
  });
});
