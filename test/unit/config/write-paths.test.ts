import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { composeVersion } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { outboxInsert, parseOutboxRow } from '../../../src/sources/outbox/outbox-table.js';
import { implicitOutboxPipelines } from '../../../src/sources/outbox/relay-config.js';

const problems = (raw: Record<string, unknown>): string => {
  try {
    resolveConfig(raw);
  } catch (e) {
    expect(isSynclineError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
  return '';
};

describe('api.writeModes', () => {
  it('accepts cdc, dual-write-sync, dual-write-async and outbox; refuses anything else naming the key', () => {
    const c = resolveConfig({
      demo: true,
      api: { writeModes: { products: 'dual-write-sync', categories: 'dual-write-async', users: 'outbox' } },
      pipelines: [{ name: 'catalog', source: { type: 'mysql-binlog', tables: ['syncline_demo.products'] } }],
    });
    expect(c.api.writeModes).toEqual({
      products: 'dual-write-sync',
      categories: 'dual-write-async',
      users: 'outbox',
    });
    expect(c.api.dualWrite).toEqual({ syncTimeoutMs: 2000, pipeline: 'api-dual-write' });
    expect(c.sdk).toEqual({ maxAttempts: 20, maxQueued: 10_000 });
    expect(problems({ api: { writeModes: { products: 'orm' } } })).toContain('api.writeModes.products');
  });

  it('a table in outbox mode must not also be captured by a binlog pipeline into the same index', () => {
    // the default pipeline captures syncline_demo.*, the default mappings index those tables
    const msg = problems({ api: { writeModes: { products: 'outbox' } } });
    expect(msg).toContain('mappings[0] (syncline_demo.products → products)');
    expect(msg).toContain('binlog pipeline catalog');
    expect(msg).toContain('not comparable');
    // dual-write shares the binlog's versions: it may run next to CDC
    expect(problems({ api: { writeModes: { products: 'dual-write-async' } } })).toBe('');
  });

  it('an outbox pipeline and a binlog pipeline over the same mapped table are refused', () => {
    const msg = problems({
      pipelines: [
        { name: 'cdc', source: { type: 'mysql-binlog', tables: ['shop.*'] } },
        {
          name: 'relay',
          source: { type: 'outbox', outboxTable: 'shop.syncline_outbox', tables: ['shop.orders'] },
        },
      ],
      mappings: [{ table: 'shop.orders', index: 'orders' }],
    });
    expect(msg).toContain('outbox pipeline relay');
    expect(msg).toContain('binlog pipeline cdc');
  });

  it('a non-cdc table needs a mapping of the catalog database', () => {
    const msg = problems({
      stack: { manage: false },
      mysql: { url: 'mysql://u:p@127.0.0.1:3307/shop' },
      api: { writeModes: { users: 'dual-write-sync' } },
    });
    expect(msg).toContain(
      'api.writeModes.users: dual-write-sync writes the index itself, but mappings[] has no entry for shop.users',
    );
  });

  it('syncline run adds a relay for the catalog outbox unless a pipeline already ships that table', () => {
    const base = {
      stack: { manage: false },
      mysql: { url: 'mysql://u:p@127.0.0.1:3307/shop' },
      api: { writeModes: { products: 'outbox', users: 'outbox' } },
      mappings: [
        { table: 'shop.products', index: 'products' },
        { table: 'shop.users', index: 'users' },
      ],
      pipelines: [],
    };
    const relays = implicitOutboxPipelines(resolveConfig(base));
    expect(relays).toEqual([
      {
        name: 'api-outbox',
        source: {
          type: 'outbox',
          outboxTable: 'shop.syncline_outbox',
          tables: ['shop.products', 'shop.users'],
          batchSize: 500,
          pollIntervalMs: 200,
          pruneBatchSize: 1000,
        },
        sink: { type: 'search' },
      },
    ]);
    const explicit = resolveConfig({
      ...base,
      pipelines: [
        {
          name: 'mine',
          source: {
            type: 'outbox',
            outboxTable: 'shop.syncline_outbox',
            tables: ['shop.products', 'shop.users'],
          },
        },
      ],
    });
    expect(implicitOutboxPipelines(explicit)).toEqual([]);
  });
});

describe('outbox rows', () => {
  it('round-trip a row to a change event versioned by the outbox id', () => {
    const ins = outboxInsert(
      'shop.syncline_outbox',
      'shop.products',
      'u',
      { id: 7 },
      {
        id: 7,
        price: '12.50',
        big: 12345678901234567890n,
        bytes: Buffer.from([1, 2, 3]),
        tags: ['a'],
      },
    );
    expect(ins.sql).toBe(
      'INSERT INTO `shop`.`syncline_outbox` (aggregate_table, aggregate_key, op, payload) VALUES (?, ?, ?, ?)',
    );
    const parsed = parseOutboxRow(
      {
        id: '42',
        aggregate_table: ins.params[0] as string,
        aggregate_key: ins.params[1] as string,
        op: ins.params[2] as string,
        payload: ins.params[3] as string,
        created_at: '2025-01-02 03:04:05.000000',
      },
      'shop.syncline_outbox',
    );
    expect(parsed.ok).toBe(true);
    expect(parsed.event).toMatchObject({
      op: 'u',
      key: { id: 7 },
      after: {
        id: 7,
        price: '12.50',
        big: 12345678901234567890n,
        bytes: Buffer.from([1, 2, 3]),
        tags: ['a'],
      },
      source: {
        connector: 'outbox',
        database: 'shop',
        table: 'products',
        tsMs: Date.UTC(2025, 0, 2, 3, 4, 5),
      },
    });
    expect(parsed.event.source.position.version).toBe(composeVersion(42n, 0));
  });

  it('malformed rows become invalid (dead-lettered by the relay), never an exception', () => {
    const row = (over: Record<string, unknown>) =>
      parseOutboxRow(
        {
          id: 1,
          aggregate_table: 'shop.t',
          aggregate_key: '{"id":1}',
          op: 'u',
          payload: '{"id":1}',
          created_at: '',
          ...over,
        },
        'shop.o',
      );
    expect(row({}).ok).toBe(true);
    expect(row({ op: 'd', payload: null }).event.op).toBe('d');
    // the payload is optional: the relay indexes the row as it is when it ships (docs/outbox.md)
    expect(row({ payload: null }).ok).toBe(true);
    for (const [over, reason] of [
      [{ aggregate_table: 'no-dot' }, 'not database.table'],
      [{ aggregate_key: '{oops' }, 'invalid JSON'],
      [{ aggregate_key: '[1]' }, 'not a JSON object'],
      [{ payload: '[1]' }, 'payload that is not an object'],
      [{ op: 'x' }, 'unknown op'],
    ] as const) {
      const p = row(over);
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.error).toContain(reason);
    }
  });
});
