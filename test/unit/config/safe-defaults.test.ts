import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { isSynclineError } from '../../../src/core/errors.js';

const DB = 'mysql://app:secret@db.internal:3306/shop';
const SEARCH = 'https://search.internal:9200';
const DEMO_TABLES = ['syncline_demo.products', 'syncline_demo.users', 'syncline_demo.categories'];

function problemOf(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveConfig(raw, env);
  } catch (e) {
    expect(isSynclineError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('the local stack is managed only when asked or when no server is named', () => {
  it('no URL at all: the embedded stack is managed (the demo default)', () => {
    expect(resolveConfig({}).stack.manage).toBe(true);
  });

  it('both URLs named: no local server is started', () => {
    const c = resolveConfig({ mysql: { url: DB }, search: { url: SEARCH } });
    expect(c.stack.manage).toBe(false);
  });

  it('both URLs from the environment only: no local server either', () => {
    const c = resolveConfig({}, { SYNCLINE_MYSQL_URL: DB, SYNCLINE_SEARCH_URL: SEARCH });
    expect(c.stack.manage).toBe(false);
    expect(c.mysql.url).toBe(DB);
  });

  it('one URL named without stack.manage is an error naming the missing key', () => {
    expect(problemOf({ mysql: { url: DB } })).toMatch(/search\.url: not set while mysql\.url is/);
    expect(problemOf({ search: { url: SEARCH } })).toMatch(/mysql\.url: not set while search\.url is/);
    expect(problemOf({}, { SYNCLINE_MYSQL_URL: DB })).toMatch(/search\.url.*SYNCLINE_SEARCH_URL/);
  });

  it('stack.manage stated explicitly wins in every combination', () => {
    expect(resolveConfig({ stack: { manage: false } }).stack.manage).toBe(false);
    expect(
      resolveConfig({ stack: { manage: true }, mysql: { url: DB }, search: { url: SEARCH } }).stack.manage,
    ).toBe(true);
    const one = resolveConfig({ stack: { manage: false }, mysql: { url: DB } });
    expect(one.stack.manage).toBe(false);
    expect(one.search.url).toBe('http://127.0.0.1:9200');
    expect(resolveConfig({}, { SYNCLINE_STACK_MANAGE: 'false' }).stack.manage).toBe(false);
  });
});

describe('URLs follow the managed stack ports unless set', () => {
  it('stack.mariadb.port, stack.opensearch.port and stack.kafka.port move the derived URLs', () => {
    const c = resolveConfig({
      stack: { mariadb: { port: 3317 }, opensearch: { port: 9210 }, kafka: { port: 9102 } },
    });
    expect(c.mysql.url).toBe('mysql://syncline:syncline@127.0.0.1:3317/syncline_demo');
    expect(c.search.url).toBe('http://127.0.0.1:9210');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9102']);
  });

  it('the defaults are the documented local addresses', () => {
    const c = resolveConfig({});
    expect(c.mysql.url).toBe('mysql://syncline:syncline@127.0.0.1:3307/syncline_demo');
    expect(c.search.url).toBe('http://127.0.0.1:9200');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });

  it('a URL that is set is kept whatever the ports', () => {
    const c = resolveConfig({
      stack: { manage: true, mariadb: { port: 3317 }, opensearch: { port: 9210 } },
      mysql: { url: DB },
      search: { url: SEARCH },
      kafka: { brokers: ['k:1'] },
    });
    expect([c.mysql.url, c.search.url, c.kafka.brokers]).toEqual([DB, SEARCH, ['k:1']]);
  });
});

describe('the demo is a profile, not the product default', () => {
  it('no config at all: the demo profile with its mappings and pipeline', () => {
    const c = resolveConfig({});
    expect(c.demo).toBe(true);
    expect(c.mappings.map((m) => m.table)).toEqual(DEMO_TABLES);
    expect(c.pipelines).toMatchObject([
      { name: 'catalog', source: { type: 'mysql-binlog', chunkSize: 5000 } },
    ]);
  });

  it('a config with its own mappings gets none of the demo pipelines', () => {
    const c = resolveConfig({ mappings: [{ table: 'shop.orders', index: 'orders' }] });
    expect(c.demo).toBe(false);
    expect(c.mappings.map((m) => m.table)).toEqual(['shop.orders']);
    expect(c.pipelines).toEqual([]);
  });

  it('a config with its own pipelines gets none of the demo mappings', () => {
    const c = resolveConfig({
      pipelines: [{ name: 'shop', source: { type: 'mysql-binlog', tables: ['shop.orders'] } }],
    });
    expect(c.demo).toBe(false);
    expect(c.mappings).toEqual([]);
  });

  it('a config naming its servers gets no demo tables', () => {
    const c = resolveConfig({ mysql: { url: DB }, search: { url: SEARCH } });
    expect(c.demo).toBe(false);
    expect(c.mappings).toEqual([]);
    expect(c.pipelines).toEqual([]);
  });

  it('demo: true asks for it explicitly', () => {
    const c = resolveConfig({ demo: true, mysql: { url: DB }, search: { url: SEARCH } });
    expect(c.mappings.map((m) => m.table)).toEqual(DEMO_TABLES);
    expect(c.pipelines.map((p) => p.name)).toEqual(['catalog']);
  });
});

describe("the SDK's settings live under sdk.*", () => {
  it('defaults', () => {
    expect(resolveConfig({}).sdk).toEqual({ maxAttempts: 20, maxQueued: 10_000 });
  });

  it('the old api.dualWrite keys still work, with a deprecation warning; sdk.* wins', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const c = resolveConfig({ api: { dualWrite: { maxAttempts: 3, maxQueued: 7, syncTimeoutMs: 10 } } });
      expect(c.sdk).toEqual({ maxAttempts: 3, maxQueued: 7 });
      expect(c.api.dualWrite.syncTimeoutMs).toBe(10);
      const both = resolveConfig({ sdk: { maxAttempts: 5 }, api: { dualWrite: { maxAttempts: 3 } } });
      expect(both.sdk.maxAttempts).toBe(5);
    } finally {
      warn.mockRestore();
    }
  });
});
