import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { isConversionError } from '../../../src/mapping/errors.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { col, event, table } from './helpers.js';

const columns = table([
  col('bigint', { name: 'id', unsigned: true, nullable: false }),
  col('varchar', { name: 'name', charset: 'utf8mb4' }),
  col('decimal', { name: 'price', precision: 12, scale: 2 }),
  col('tinyint', { name: 'active', isTinyint1: true }),
  col('datetime', { name: 'updated_at', fsp: 6 }),
  col('varchar', { name: 'secret' }),
]);
const config = { table: 'shop.products', index: 'products' };
const row = {
  id: '7',
  name: '华为手机 Mate 60',
  price: '10.50',
  active: 1,
  updated_at: '2024-01-02 03:04:05.123456',
  secret: 's3cr3t',
};

describe('TableMapping documents', () => {
  it('converts every column, keeps NULLs, and derives the id from the primary key', () => {
    const m = new TableMapping(config, columns);
    expect(m.keyColumns).toEqual(['id']);
    expect(m.toDocument({ ...row, name: null })).toEqual({
      id: 7,
      name: null,
      price: '10.50',
      active: 1,
      updated_at: '2024-01-02T03:04:05.123456Z',
      secret: 's3cr3t',
    });
    expect(m.idOf(row)).toBe('7');
  });

  it('applies include, exclude, rename, decimal, tinyint1 and datetimeZone', () => {
    const m = new TableMapping(
      {
        ...config,
        include: ['id', 'name', 'price', 'active', 'updated_at'],
        exclude: ['updated_at'],
        rename: { name: 'title', ACTIVE: 'is_active' },
        decimal: 'number',
        tinyint1: 'boolean',
      },
      columns,
    );
    expect(m.toDocument(row)).toEqual({ id: 7, title: '华为手机 Mate 60', price: 10.5, is_active: true });
    const z = new TableMapping({ ...config, datetimeZone: '+08:00' }, columns);
    expect(z.toDocument(row).updated_at).toBe('2024-01-01T19:04:05.123456Z');
  });

  it('ids ignore presentation options (decimal/tinyint1) and escape composite keys', () => {
    const m = new TableMapping(
      { ...config, keyColumns: ['price', 'active', 'name'], decimal: 'number', tinyint1: 'boolean' },
      columns,
    );
    expect(m.idOf({ ...row, name: 'a|b' })).toBe('10.50|1|a\\|b');
  });

  it('computed fields see converted values of every column (excluded ones too) and the event', () => {
    const m = new TableMapping({ ...config, exclude: ['secret'] }, columns, {
      computed: {
        label: (r) => `${r.name} ¥${r.price}`,
        hasSecret: (r) => r.secret !== null,
        source: (_r, ev) => ev.source.connector,
        skipped: () => undefined,
        big: () => 2n ** 64n,
      },
    });
    const doc = m.toDocument(row, event('c', { after: row }));
    expect(doc).toMatchObject({
      label: '华为手机 Mate 60 ¥10.50',
      hasSecret: true,
      source: 'mysql-binlog',
      big: '18446744073709551616',
    });
    expect(doc).not.toHaveProperty('secret');
    expect(doc).not.toHaveProperty('skipped');
  });

  it('an excluded column that cannot be converted does not fail the row unless a computed field reads it', () => {
    const bad = { ...row, updated_at: 'garbage' };
    expect(
      new TableMapping({ ...config, exclude: ['updated_at'] }, columns).toDocument(bad),
    ).not.toHaveProperty('updated_at');
    const m = new TableMapping({ ...config, exclude: ['updated_at'] }, columns, {
      computed: { y: (r) => r.updated_at },
    });
    expect(() => m.toDocument(bad)).toThrow(/updated_at/);
  });

  it('a computed field that throws is a conversion error naming the field', () => {
    const m = new TableMapping(config, columns, {
      computed: {
        boom: () => {
          throw new Error('nope');
        },
      },
    });
    try {
      m.toDocument(row);
      expect.unreachable();
    } catch (e) {
      expect(isConversionError(e)).toBe(true);
      expect((e as Error).message).toMatch(/"boom" \(computed\).*nope/);
    }
  });

  it('columns added at run time pass through best effort and are reported once; refresh picks them up', () => {
    const drift: string[] = [];
    const m = new TableMapping(config, columns, {
      onSchemaDrift: (d) => drift.push(`${d.table}.${d.column}`),
    });
    const withNew = { ...row, color: 'red', weight: 12n };
    expect(m.toDocument(withNew)).toMatchObject({ color: 'red', weight: 12 });
    m.toDocument(withNew);
    expect(drift).toEqual(['products.color', 'products.weight']);
    // ALTER TABLE … MODIFY weight DECIMAL(6,3): after the refresh the descriptor applies
    m.setColumns(table([...columns.columns, col('decimal', { name: 'weight', scale: 3 })]));
    expect(m.toDocument(withNew).weight).toBe('12.000');
    // a dropped column simply no longer appears in rows
    const { secret: _s, ...dropped } = row;
    expect(m.toDocument(dropped)).not.toHaveProperty('secret');
  });

  it('a row in table order (the compiled builder) and in any other order (the column loop) give the same document, fields in column order', () => {
    const withJson = table([...columns.columns, col('json', { name: 'attrs' })]);
    const m = new TableMapping(
      { ...config, exclude: ['secret'], rename: { name: 'title' }, decimal: 'number' },
      withJson,
    );
    const full = { ...row, attrs: '{"color":"red","sizes":[38,39]}' };
    const expected = {
      id: 7,
      title: '华为手机 Mate 60',
      price: 10.5,
      active: 1,
      updated_at: '2024-01-02T03:04:05.123456Z',
      attrs: { color: 'red', sizes: [38, 39] },
      attrs_values: ['38', '39', 'red'],
    };
    // in table order: the exact JSON text, key order included
    expect(JSON.stringify(m.toDocument(full))).toBe(JSON.stringify(expected));
    // keys in another order (a polling SELECT, an ingested event): the same fields, in the row's order
    const reversed = Object.fromEntries(Object.entries(full).reverse());
    const doc = m.toDocument(reversed);
    expect(doc).toStrictEqual(expected);
    expect(Object.keys(doc)).toEqual(
      Object.keys(expected)
        .filter((k) => k !== 'attrs_values')
        .reverse()
        .flatMap((k) => (k === 'attrs' ? ['attrs', 'attrs_values'] : [k])),
    );
    // a subset of the columns (an outbox payload, a MINIMAL image) takes the loop too
    expect(m.toDocument({ id: '7', price: '1.00' })).toStrictEqual({ id: 7, price: 1 });
  });

  it('a value its descriptor rejects is a conversion error and reported as drift', () => {
    const drift: string[] = [];
    const m = new TableMapping(config, columns, { onSchemaDrift: (d) => drift.push(d.column) });
    expect(() => m.toDocument({ ...row, price: 'n/a' })).toThrow(/price/);
    expect(drift).toEqual(['price']);
  });

  it('rejects configs that cannot work', () => {
    const noPk = table(columns.columns, null);
    expect(() => new TableMapping(config, noPk)).toThrow(expect.objectContaining({ kind: 'NO_PRIMARY_KEY' }));
    expect(new TableMapping({ ...config, keyColumns: ['name'] }, noPk).keyColumns).toEqual(['name']);
    expect(() => new TableMapping({ ...config, keyColumns: ['nope'] }, columns)).toThrow(
      /keyColumns: no column nope/,
    );
    expect(() => new TableMapping({ ...config, rename: { name: 'price' } }, columns)).toThrow(
      /both map to field "price"/,
    );
    expect(() => new TableMapping({ ...config, datetimeZone: 'Nowhere/Else' }, columns)).toThrow(
      expect.objectContaining({ kind: 'CONFIG_INVALID' }),
    );
  });
});

describe('TableMapping.toOps', () => {
  const m = new TableMapping(config, columns);

  it('c and r → one index op carrying the event version', () => {
    for (const op of ['c', 'r'] as const) {
      const ev = event(op, { after: row, key: { id: '7' } }, 99n);
      const ops = m.toOps(ev);
      expect(ops).toHaveLength(1);
      expect(ops[0]).toMatchObject({ action: 'index', index: 'products', id: '7', version: 99n });
      expect(ops[0]!.action === 'index' && ops[0]!.doc.price).toBe('10.50');
      expect(ops[0]!.event).toBe(ev);
    }
  });

  it('u → index; when the key changed, also a delete of the old id with the same version', () => {
    const same = m.toOps(event('u', { before: row, after: { ...row, price: '11.00' } }, 100n));
    expect(same.map((o) => [o.action, 'id' in o && o.id])).toEqual([['index', '7']]);
    const moved = m.toOps(event('u', { before: row, after: { ...row, id: '8' }, key: { id: '8' } }, 101n));
    expect(moved.map((o) => [o.action, 'id' in o && o.id, o.version])).toEqual([
      ['delete', '7', 101n],
      ['index', '8', 101n],
    ]);
  });

  it('d → delete (from before, or from the key alone); t → truncate', () => {
    expect(m.toOps(event('d', { before: row }, 5n))).toMatchObject([
      { action: 'delete', id: '7', version: 5n },
    ]);
    expect(m.toOps(event('d', { key: { id: 9 } }, 6n))).toMatchObject([{ action: 'delete', id: '9' }]);
    expect(m.toOps(event('t', {}, 7n))).toMatchObject([
      { action: 'truncate', index: 'products', version: 7n },
    ]);
  });

  it('events of other tables give no ops; malformed events are rejected', () => {
    expect(m.toOps(event('c', { after: row }, 1n, { table: 'other' }))).toEqual([]);
    expect(() => m.toOps(event('c', { after: null }))).toThrow(
      expect.objectContaining({ kind: 'EVENT_INVALID' }),
    );
    try {
      m.toOps(event('c', { after: { name: 'x' } }));
      expect.unreachable();
    } catch (e) {
      expect(isSynclineError(e, 'EVENT_INVALID')).toBe(true);
    }
  });

  it('rows read by the snapshot and by the binlog give identical ops', () => {
    const snapshot = { ...row, id: '7', active: 1 };
    const binlog = { ...row, id: 7, active: 1 };
    const a = m.toOps(event('r', { after: snapshot }));
    const b = m.toOps(event('c', { after: binlog }));
    expect(a.map(({ event: _e, ...o }) => o)).toEqual(b.map(({ event: _e, ...o }) => o));
  });
});

describe('MappingSet', () => {
  const products = new TableMapping(config, columns);
  const search = new TableMapping({ ...config, index: 'products_search', include: ['id', 'name'] }, columns);
  const users = new TableMapping(
    { table: 'shop.users', index: 'users' },
    { ...table([col('int', { name: 'id' })]), table: 'users' },
  );
  const set = new MappingSet([products, search, users]);

  it('looks mappings up by database.table and fans a table out to all its indexes', () => {
    expect(set.handles('shop', 'products')).toBe(true);
    expect(set.handles('shop', 'nope')).toBe(false);
    expect(set.get('shop', 'users')).toBe(users);
    expect(set.forTable('shop', 'products')).toEqual([products, search]);
    expect(set.indexOf('shop', 'products')).toBe('products');
    expect(set.indexes()).toEqual(['products', 'products_search', 'users']);
    const ops = set.toOps(event('c', { after: row }));
    expect(ops.map((o) => o.index)).toEqual(['products', 'products_search']);
    expect(ops[1]!.action === 'index' && ops[1]!.doc).toEqual({ id: 7, name: '华为手机 Mate 60' });
    expect(set.toOps(event('c', { after: { id: 1 } }, 1n, { table: 'users' }))).toMatchObject([
      { index: 'users', id: '1' },
    ]);
    expect(set.toOps(event('c', { after: row }, 1n, { table: 'unmapped' }))).toEqual([]);
  });
});
