import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { ensureIndex } from '../../../src/mapping/index-definitions.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { col, table } from '../../unit/mapping/helpers.js';

const prefix = uniqueName('t_mapidx');
let client: SearchClient;
const logs: string[] = [];
const logger = {
  info: (_o: object, m: string) => logs.push(m),
  warn: (_o: object, m: string) => logs.push(m),
};

beforeAll(() => {
  client = searchClient();
});
afterAll(async () => {
  await client.request('DELETE', `/${prefix}*`);
  await client.close();
});

async function search(index: string, query: Record<string, unknown>): Promise<string[]> {
  const res = await client.request<{ hits: { hits: Array<{ _id: string }> } }>('POST', `/${index}/_search`, {
    query,
    size: 100,
  });
  expect(res.status).toBe(200);
  return res.body.hits.hits.map((h) => h._id).sort();
}

async function bulkIndex(index: string, docs: Record<string, Record<string, unknown>>) {
  const body = Object.entries(docs)
    .map(([id, doc]) => `${JSON.stringify({ index: { _index: index, _id: id } })}\n${JSON.stringify(doc)}\n`)
    .join('');
  const res = await client.request<{ errors: boolean; items: unknown[] }>(
    'POST',
    '/_bulk?refresh=true',
    body,
    {
      contentType: 'application/x-ndjson',
    },
  );
  expect(res.status).toBe(200);
  expect(res.body.errors, JSON.stringify(res.body.items)).toBe(false);
}

describe('ensureIndex', () => {
  it('creates <name>_v1 behind the alias <name>, then leaves it alone', async () => {
    const name = `${prefix}_a`;
    const first = await ensureIndex(client, name, {}, { logger });
    expect(first).toEqual({ alias: name, index: `${name}_v1`, created: true });
    const alias = await client.request<Record<string, { aliases: Record<string, unknown> }>>(
      'GET',
      `/_alias/${name}`,
    );
    expect(Object.keys(alias.body)).toEqual([`${name}_v1`]);
    const settings = await client.request<Record<string, { settings: { index: Record<string, unknown> } }>>(
      'GET',
      `/${name}_v1/_settings`,
    );
    expect(settings.body[`${name}_v1`]!.settings.index).toMatchObject({
      number_of_shards: '1',
      number_of_replicas: '0',
      refresh_interval: '1s',
      gc_deletes: '1h',
    });
    const again = await ensureIndex(client, name, { settings: { number_of_shards: 3 } }, { logger });
    expect(again).toEqual({ alias: name, index: `${name}_v1`, created: false });
    expect(logs.at(-1)).toMatch(new RegExp(`index ${name} exists \\(alias of ${name}_v1\\); left as is`));
  });

  it('two processes racing both succeed, and exactly one creates', async () => {
    const name = `${prefix}_race`;
    const raceLogs: string[] = [];
    const log = {
      info: (_o: object, m: string) => raceLogs.push(m),
      warn: (_o: object, m: string) => raceLogs.push(m),
    };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => ensureIndex(client, name, {}, { logger: log })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(raceLogs.filter((m) => m.includes('created concurrently')).length).toBeGreaterThan(0);
    expect(new Set(results.map((r) => r.index))).toEqual(new Set([`${name}_v1`]));
  });

  it('an existing concrete index of that name is left as is', async () => {
    const name = `${prefix}_plain`;
    expect((await client.request('PUT', `/${name}`)).status).toBe(200);
    const r = await ensureIndex(client, name, {}, { logger });
    expect(r).toEqual({ alias: name, index: name, created: false });
    expect(logs.at(-1)).toMatch(/a concrete index, not an alias/);
  });

  it('a bad definition fails with INDEX_SETUP_FAILED naming the index and the engine reason', async () => {
    const name = `${prefix}_bad`;
    try {
      await ensureIndex(client, name, { mappings: { properties: { price: { type: 'no_such_type' } } } });
      expect.unreachable();
    } catch (e) {
      expect(isSynclineError(e, 'INDEX_SETUP_FAILED')).toBe(true);
      expect((e as Error).message).toContain(`${name}_v1`);
      expect((e as Error).message).toMatch(/mapper_parsing_exception.*no_such_type/);
    }
    try {
      await ensureIndex(client, `${prefix}_bad2`, { settings: { 'analysis.analyzer.x.tokenizer': 'nope' } });
      expect.unreachable();
    } catch (e) {
      expect(isSynclineError(e, 'INDEX_SETUP_FAILED')).toBe(true);
      expect((e as Error).message).toMatch(/illegal_argument_exception/);
    }
    const missing = await client.request('GET', `/${name}_v1`);
    expect(missing.status).toBe(404);
  });
});

describe('text analysis (Chinese + English)', () => {
  const name = `${prefix}_text`;
  beforeAll(async () => {
    await ensureIndex(client, name);
    await bulkIndex(name, {
      huawei: { name: '华为手机 Mate 60' },
      apple: { name: 'Apple phone case' },
      laptop: { name: '联想电脑 ThinkPad' },
      fullwidth: { name: 'ＭＡＴＥ　全角' },
      book: { name: '一本书' },
      airport: { name: '机场大巴' },
    });
  });

  const match = (text: string) => search(name, { match: { name: text } });

  it('手机 finds 华为手机 Mate 60, and not 电脑 nor texts sharing one character (机场)', async () => {
    expect(await match('手机')).toEqual(['huawei']);
    expect(await match('电脑')).toEqual(['laptop']);
    expect(await match('华为手机')).toEqual(['huawei']);
  });

  it('English words match case-insensitively; full-width Latin is folded', async () => {
    expect(await match('phone')).toEqual(['apple']);
    expect(await match('PHONE')).toEqual(['apple']);
    expect(await match('mate')).toEqual(['fullwidth', 'huawei']);
    expect(await match('thinkpad')).toEqual(['laptop']);
  });

  it('a one-character query finds words containing it; phrases work across bigrams', async () => {
    expect(await match('书')).toEqual(['book']);
    expect(await search(name, { match_phrase: { name: '华为手机' } })).toEqual(['huawei']);
    expect(await search(name, { match_phrase: { name: '为华' } })).toEqual([]);
  });

  it('the .keyword subfield matches exactly', async () => {
    expect(await search(name, { term: { 'name.keyword': 'Apple phone case' } })).toEqual(['apple']);
    expect(await search(name, { term: { 'name.keyword': 'apple phone case' } })).toEqual([]);
  });

  it('the standard analyzer, when chosen, does not bigram CJK', async () => {
    const std = `${prefix}_std`;
    await ensureIndex(client, std, { textAnalyzer: 'standard' });
    await bulkIndex(std, { huawei: { name: '华为手机 Mate 60' }, airport: { name: '机场大巴' } });
    // unigrams OR-ed: 手机 also matches 机场 — the reason cjk is the default
    expect(await search(std, { match: { name: '手机' } })).toEqual(['airport', 'huawei']);
  });
});

describe('explicit field types from the column descriptors', () => {
  it('accepts converted documents: exact strings for big numbers and decimals, micro-second dates', async () => {
    const name = `${prefix}_typed`;
    const mapping = new TableMapping(
      { table: 'shop.items', index: name, tinyint1: 'boolean' },
      table([
        col('bigint', { name: 'id', unsigned: true }),
        col('decimal', { name: 'price', precision: 12, scale: 2 }),
        col('decimal', { name: 'wide', precision: 65, scale: 30 }),
        col('tinyint', { name: 'active', isTinyint1: true }),
        col('datetime', { name: 'at', fsp: 6 }),
        col('date', { name: 'day' }),
        col('time', { name: 'dur', fsp: 6 }),
        col('varchar', { name: 'title' }),
        col('varchar', { name: 'code' }),
        col('set', { name: 'tags', setValues: ['a', 'b'] }),
        col('blob', { name: 'raw' }),
        col('inet6', { name: 'ip' }),
        col('json', { name: 'meta' }),
      ]),
    );
    await ensureIndex(client, name, {}, { properties: (engine) => columnProperties(mapping, engine) });
    const doc = mapping.toDocument({
      id: '18446744073709551615',
      price: '10.50',
      wide: '12345678901234567890.5',
      active: 1,
      at: '2024-01-02 03:04:05.123456',
      day: '2024-02-29',
      dur: '-838:59:59',
      title: '华为手机',
      code: '2024-01-02',
      tags: 'a,b',
      raw: Buffer.from([0, 1, 2]),
      ip: Buffer.from('20010db8000000000000000000000001', 'hex'),
      meta: '{"n":12345678901234567890}',
    });
    await bulkIndex(name, { [mapping.idOf({ id: '18446744073709551615' })]: doc });
    expect(await search(name, { range: { price: { gte: 10.5, lte: 10.5 } } })).toEqual([
      '18446744073709551615',
    ]);
    expect(await search(name, { term: { id: '18446744073709551615' } })).toEqual(['18446744073709551615']);
    expect(await search(name, { range: { at: { gte: '2024-01-02T03:04:05.123Z' } } })).toEqual([
      '18446744073709551615',
    ]);
    expect(await search(name, { term: { ip: '2001:db8::/32' } })).toEqual(['18446744073709551615']);
    expect(await search(name, { term: { active: true } })).toEqual(['18446744073709551615']);
    const got = await client.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${name}/_doc/18446744073709551615`,
    );
    // _source keeps the exact representation the mapping produced
    expect(got.body._source).toEqual(doc);
    // a date-like VARCHAR stays text: date detection is off when the columns are typed explicitly
    const m = await client.request<
      Record<string, { mappings: { properties: Record<string, { type: string }> } }>
    >('GET', `/${name}/_mapping`);
    expect(m.body[`${name}_v1`]!.mappings.properties.code!.type).toBe('text');
  });
});
