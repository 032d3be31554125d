import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTestHooks } from '../../../src/sources/mysql-binlog/snapshotting-source.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { TEST_SOURCE } from '../../helpers/stack.js';

/**
 * Issue 15 §1b: inside a chunk's window (after its SELECT, before its high watermark) a row of the chunk
 * is updated. The window must strike that row — the stream carries the update — however the two drivers
 * render its key; and it must strike nothing else. Each row has a `tag` apart from its key, so the check
 * below matches documents to rows without rendering keys (or anything else) through the mapping.
 */
interface KeyCase {
  type: string;
  /** SQL literals of the keys; row i gets tag i + 1. */
  keys: string[];
  /** Tags of the rows updated inside the window. */
  update: number[];
}

const CASES: Record<string, KeyCase> = {
  k_decimal: {
    type: 'DECIMAL(12,4)',
    keys: ["'12.5'", "'-0.0001'", "'99999999.9999'", "'3'"],
    update: [1, 4],
  },
  // 0xFE and 0xFF both decode to U+FFFD as UTF-8 text: a change to one must not strike the other.
  k_varbinary: { type: 'VARBINARY(16)', keys: ["X'FE'", "X'FF'", "X'00FF10'", "X'616263'"], update: [1] },
  k_datetime: {
    type: 'DATETIME(6)',
    keys: ["'2024-01-02 03:04:05.5'", "'2024-01-02 03:04:05'", "'1999-12-31 23:59:59.999999'"],
    update: [1, 2],
  },
  k_varchar_ci: {
    type: 'VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
    keys: ["'abc'", "'Abd '", "'café'", "'zz'"],
    update: [2, 3],
  },
  // The SELECT reads the server's 6-digit print (1.1), the binlog the float32 (1.100000023841858).
  // The greatest keys of k_float and k_double print below their stored values: the snapshot's upper bound
  // must be read exactly, or those rows are never read.
  k_float: { type: 'FLOAT', keys: ['1.1', '2.5', '-851500.5625', '0.3', '1234561.25'], update: [1, 3, 4] },
  // mysql2's own text parser reads 977.1706419996917 one ULP off.
  k_double: { type: 'DOUBLE', keys: ['977.1706419996917', '0.1', '-1e300', '5e-324'], update: [1, 4] },
  // The SELECT reads text, the binlog bytes.
  k_uuid: {
    type: 'UUID',
    keys: ["'123e4567-e89b-12d3-a456-426614174000'", "'00000000-0000-4000-8000-000000000001'"],
    update: [1],
  },
  k_inet6: {
    type: 'INET6',
    keys: ["'::1'", "'2001:db8::ff00:42:8329'", "'::ffff:10.0.0.1'"],
    update: [1, 2],
  },
};
// UUID and INET6 are MariaDB's own types: on MySQL (the "mysql" project) those two cases are left out.
const TABLES = Object.keys(CASES).filter(
  (t) => TEST_SOURCE === 'mariadb' || !['k_uuid', 'k_inet6'].includes(t),
);

const h = new Harness({
  tables: TABLES,
  chunkSize: 100,
  setup: TABLES.map(
    (t) => `CREATE TABLE ${t} (k ${CASES[t]!.type} PRIMARY KEY, tag INT NOT NULL, v INT NOT NULL DEFAULT 1);`,
  ).join('\n'),
});

/** Tables whose update ran inside a window, with the signal kinds present for that chunk at that moment. */
const updatedInWindow = new Map<string, string[]>();

beforeAll(async () => {
  await h.createDatabase();
  for (const t of TABLES)
    await h.exec(
      `INSERT INTO ${t} (k, tag) VALUES ${CASES[t]!.keys.map((k, i) => `(${k}, ${i + 1})`).join(', ')}`,
    );
  snapshotTestHooks.insideWindow = async ({ chunkId, table, rows }) => {
    const [database, name] = table.split('.');
    if (database !== h.db || !CASES[name!] || updatedInWindow.has(name!) || rows === 0) return;
    const signals = (await h.exec(
      `SELECT kind FROM \`${h.config.internalDatabase}\`.snapshot_signals WHERE chunk_id = ? ORDER BY id`,
      [chunkId],
    )) as Array<{ kind: string }>;
    await h.exec(`UPDATE ${name} SET v = v + 1 WHERE tag IN (?)`, [CASES[name!]!.update]);
    updatedInWindow.set(
      name!,
      signals.map((s) => s.kind),
    );
  };
});
afterAll(async () => {
  snapshotTestHooks.insideWindow = undefined;
  await h.cleanup();
});

/** [tag, v] of every document of the table's index, sorted. */
async function indexed(table: string): Promise<number[][]> {
  await h.search.request('POST', `/${h.index(table)}/_refresh`);
  const r = await h.search.request<{ hits: { hits: Array<{ _source: { tag: number; v: number } }> } }>(
    'POST',
    `/${h.index(table)}/_search`,
    { size: 1000, query: { match_all: {} } },
  );
  return r.body.hits.hits.map((x) => [x._source.tag, x._source.v]).sort((a, b) => a[0]! - b[0]!);
}

async function expected(table: string): Promise<number[][]> {
  const rows = (await h.exec(`SELECT tag, v FROM ${table} ORDER BY tag`)) as Array<{
    tag: number;
    v: number;
  }>;
  return rows.map((r) => [r.tag, r.v]);
}

describe('snapshot window: keys compared as typed values, not as driver-rendered strings', () => {
  it('a row updated inside its chunk window ends with the updated value; no other row is lost', async () => {
    await h.start();
    const source = h.runner!.handles[0]!.source;
    const deadline = Date.now() + 60_000;
    while (source.phase !== 'streaming' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(source.phase).toBe('streaming');
    // Every update ran after its chunk's low watermark and before its high watermark.
    expect(Object.fromEntries(updatedInWindow)).toEqual(Object.fromEntries(TABLES.map((t) => [t, ['low']])));

    const want = new Map<string, number[][]>();
    for (const t of TABLES) {
      want.set(t, await expected(t));
      expect(
        want
          .get(t)!
          .filter(([, v]) => v === 2)
          .map(([tag]) => tag),
      ).toEqual(CASES[t]!.update);
    }
    const got = new Map<string, number[][]>();
    const settle = Date.now() + 30_000;
    for (;;) {
      for (const t of TABLES) got.set(t, await indexed(t));
      if (
        TABLES.every((t) => JSON.stringify(got.get(t)) === JSON.stringify(want.get(t))) ||
        Date.now() > settle
      )
        break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  });
});
