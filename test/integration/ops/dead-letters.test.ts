import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { opsContextFor } from '../../../src/ops/context.js';
import {
  deadLetterCounts,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
} from '../../../src/ops/dead-letters.js';
import { Harness } from '../../helpers/pipeline-harness.js';

const DDL = `CREATE TABLE items (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  code VARCHAR(20) NOT NULL
)`;

describe('dead letters: list, show, counts, replay after a mapping fix, purge (real stack)', () => {
  let h: Harness;
  let index: string;
  const ctx = (config: SynclineConfig) =>
    opsContextFor({ config, db: h.clients.db, search: h.search, logger: pino({ level: 'warn' }) });

  beforeAll(async () => {
    // `code` is declared an integer in the index, but half the rows hold codes like "A-7": rejected
    h = new Harness({ tables: ['items'], setup: DDL });
    index = h.index('items');
    (h.config as { indexes: SynclineConfig['indexes'] }).indexes = {
      [index]: { textAnalyzer: 'standard', mappings: { properties: { code: { type: 'integer' } } } },
    };
    await h.createDatabase();
    const rows: string[] = [];
    for (let id = 1; id <= 200; id++) rows.push(`(${id}, 'item ${id}', '${id % 2 === 0 ? `A-${id}` : id}')`);
    await h.exec(`INSERT INTO items VALUES ${rows.join(',')}`);
    await h.start();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const c = await h.search.request<{ count: number }>('GET', `/${index}/_count`);
      const dead = await listDeadLetters(ctx(h.config), { pipeline: h.name, limit: 1000 });
      if (c.body.count === 100 && dead.length === 100) break;
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);

  afterAll(async () => {
    if (h) await purgeDeadLetters(ctx(h.config), { pipeline: h.name }).catch(() => {});
    await h?.cleanup();
  });

  it('lists, shows and counts the rejected documents', async () => {
    const c = ctx(h.config);
    const list = await listDeadLetters(c, { pipeline: h.name, limit: 1000 });
    expect(list).toHaveLength(100);
    expect(new Set(list.map((e) => e.kind))).toEqual(new Set(['mapping']));
    expect(list.every((e) => e.index === index && Number(e.docId) % 2 === 0)).toBe(true);
    const one = await showDeadLetter(c, list[0]!.id);
    expect(one.event.after).toMatchObject({ id: Number(list[0]!.docId) });
    expect(one.error).toMatch(/code/);
    const counts = await deadLetterCounts(c);
    expect(counts.byIndex.find((x) => x.index === index && x.kind === 'mapping')?.count).toBe(100);
    await expect(showDeadLetter(c, 987_654_321)).rejects.toThrow(/no dead letter/);
  });

  it('a replay that fails again keeps the entries with one more attempt', async () => {
    const c = ctx(h.config);
    const before = await listDeadLetters(c, { pipeline: h.name, limit: 1000 });
    const r = await replayDeadLetters(c, { pipeline: h.name, ids: before.slice(0, 10).map((e) => e.id) });
    expect(r).toMatchObject({ selected: 10, failed: 10, landed: 0, removed: 0 });
    const after = await listDeadLetters(c, { pipeline: h.name, ids: before.slice(0, 10).map((e) => e.id) });
    expect(after.map((e) => e.attempts)).toEqual(before.slice(0, 10).map((e) => e.attempts + 1));
  });

  it('after a mapping fix, replay lands every event and empties the store', async () => {
    // the fix: the column goes to a new text field instead of the integer one
    const fixed = {
      ...h.config,
      mappings: h.config.mappings.map((m) => ({ ...m, rename: { code: 'code_text' } })),
    } as SynclineConfig;
    const progress: number[] = [];
    const r = await replayDeadLetters(ctx(fixed), { pipeline: h.name, batchSize: 30 }, (p) =>
      progress.push(p.done),
    );
    expect(r).toMatchObject({ selected: 100, landed: 100, failed: 0, removed: 100 });
    expect(progress.at(-1)).toBe(100);
    expect(await listDeadLetters(ctx(fixed), { pipeline: h.name })).toHaveLength(0);
    await h.search.request('POST', `/${index}/_refresh`);
    const count = await h.search.request<{ count: number }>('GET', `/${index}/_count`);
    expect(count.body.count).toBe(200);
    const doc = await h.search.request<{ _source: Record<string, unknown> }>('GET', `/${index}/_doc/42`);
    expect(doc.body._source).toMatchObject({ id: 42, code_text: 'A-42' });
  });

  it('purge needs a selection or --all', async () => {
    await expect(purgeDeadLetters(ctx(h.config), {})).rejects.toThrow(/--all/);
  });
});
