import { describe, expect, it } from 'vitest';
import { compileTableFilter } from '../../../src/sources/mysql-binlog/streaming/table-filter.js';

describe('table patterns', () => {
  it('matches database.table with * inside either part, literally otherwise', () => {
    const f = compileTableFilter(['shop.order_*', '*.users', 'demo.products']);
    expect(f('shop', 'order_items')).toBe(true);
    expect(f('shop', 'orders')).toBe(false);
    expect(f('crm', 'users')).toBe(true);
    expect(f('demo', 'products')).toBe(true);
    expect(f('demo', 'productsX')).toBe(false);
    // '_' and '.' are not wildcards
    expect(compileTableFilter(['a_b.t'])('axb', 't')).toBe(false);
    expect(f.database('shop')).toBe(true);
    expect(f.database('other')).toBe(true); // *.users
    expect(compileTableFilter(['shop.*']).database('other')).toBe(false);
  });

  it('rejects patterns that are not database.table', () => {
    expect(() => compileTableFilter(['nodot'])).toThrow(/database\.table/);
    expect(() => compileTableFilter(['a.b.c'])).toThrow();
  });
});
