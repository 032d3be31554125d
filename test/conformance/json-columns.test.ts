import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, Harness } from '../helpers/pipeline-harness.js';
import { engineReady } from './engine.js';

/**
 * A JSON column never fails a row (issue 13): mixed arrays, deep objects, numbers past 2^53 and past
 * double range, and a path that is an object in one row, a string in another and a scalar or array at
 * the top in a third — each valid JSON, so each row must be indexed, through the snapshot and the
 * binlog. The index must equal the table (oracle: its own JSON reading and search copy). A conformance
 * suite: it runs on every engine of the matrix (OpenSearch 2/3, Elasticsearch 8/9, vitest.config.ts).
 */
const ROWS: readonly string[] = [
  '[1, 2.5, "x", null, true]',
  '{"k": [1, 2.5, "x", null, true], "deep": {"a": {"b": {"c": [{"d": 1}, [2, ["e"]]]}}}}',
  '{"k": "now a string", "big": 12345678901234567890123, "neg": -9223372036854775809}',
  '{"k": {"nested": "an object now"}, "f": 1e300, "tiny": 5e-324, "z": -0.0}',
  '42',
  '"just a string"',
  'true',
  'null',
  '[]',
  '{}',
  '[[[]], {"": ""}, {"k": 1}, {"k": "1"}, {"k": [1]}]',
  '{"华为": "手机", "emoji": "😀", "esc": "a\\"b\\\\c\\u00e9"}',
];

const h = new Harness({
  tables: ['docs'],
  setup: `CREATE TABLE docs (id INT PRIMARY KEY, js JSON);
    INSERT INTO docs VALUES ${ROWS.map((r, i) => `(${i + 1}, '${r.replaceAll('\\', '\\\\').replaceAll("'", "''")}')`).join(', ')};`,
});

beforeAll(async () => {
  await engineReady();
  await h.createDatabase();
  await h.start();
});
afterAll(() => h.cleanup());

const zero = { missing: 0, extra: 0, stale: 0 };

describe('JSON columns never fail a row', () => {
  it('snapshot: every shape is indexed, nothing dead-lettered', async () => {
    expect(clean(await h.converge('docs', 30_000))).toEqual(zero);
    expect(await deadLetters()).toBe(0);
  });

  it('binlog: the shapes again, swapped between rows, are indexed', async () => {
    for (const [i, r] of [...ROWS].reverse().entries())
      await h.exec('INSERT INTO docs VALUES (?, ?)', [100 + i, r]);
    await h.exec('UPDATE docs SET js = ? WHERE id = 2', ['"object became a string"']);
    await h.exec('UPDATE docs SET js = ? WHERE id = 5', ['{"k": {"deeper": [1, "two", {"three": 3}]}}']);
    expect(clean(await h.converge('docs', 30_000))).toEqual(zero);
    expect(await deadLetters()).toBe(0);
  });

  it('the leaves are searchable through the copy; the JSON itself is returned as stored', async () => {
    await h.search.request('POST', `/${h.index('docs')}/_refresh`);
    const hits = await h.search.request<{
      hits: { hits: Array<{ _id: string; _source: Record<string, unknown> }> };
    }>('POST', `/${h.index('docs')}/_search`, { query: { term: { 'js_values.keyword': 'an object now' } } });
    expect(hits.body.hits.hits.map((x) => x._id).sort()).toEqual(['4', String(100 + ROWS.length - 4)].sort());
    expect(hits.body.hits.hits.find((x) => x._id === '4')?._source.js).toEqual({
      k: { nested: 'an object now' },
      f: 1e300,
      tiny: 5e-324,
      z: 0,
    });
  });
});

describe('JSON columns never fail a row: polling', () => {
  const p = new Harness({
    tables: ['docs'],
    setup: `CREATE TABLE docs (id INT PRIMARY KEY, js JSON,
      updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at));
    INSERT INTO docs (id, js) VALUES ${ROWS.map((r, i) => `(${i + 1}, '${r.replaceAll('\\', '\\\\').replaceAll("'", "''")}')`).join(', ')};`,
  });
  p.config.pipelines = [
    {
      name: `${p.name}-poll`,
      source: {
        type: 'polling',
        tables: [`${p.db}.docs`],
        trackingColumn: 'updated_at',
        intervalMs: 100,
        batchSize: 50,
        safetyLagMs: 300,
        rescanWindowMs: 0,
        deletes: {},
      },
    },
  ] as typeof p.config.pipelines;

  beforeAll(async () => {
    await p.createDatabase();
    await p.start();
  });
  afterAll(async () => {
    await p.clients.db
      .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [`${p.name}-poll`])
      .catch(() => {});
    await p.cleanup();
  });

  it('every shape is indexed by the polling source too', async () => {
    expect(clean(await p.converge('docs', 30_000))).toEqual(zero);
  });
});

/** Dead letters of this file's index; the store creates its table at the first one, so none yet is 0. */
async function deadLetters(): Promise<number> {
  try {
    const [rows] = (await h.clients.db.query(
      'SELECT COUNT(*) AS n FROM syncline.dead_letters WHERE index_name LIKE ?',
      [`${h.index('docs')}%`],
    )) as unknown as [Array<{ n: number }>];
    return Number(rows[0]!.n);
  } catch (e) {
    if ((e as { code?: string }).code === 'ER_NO_SUCH_TABLE') return 0;
    throw e;
  }
}
