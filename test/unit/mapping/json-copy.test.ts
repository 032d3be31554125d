import { describe, expect, it } from 'vitest';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { jsonLeaves } from '../../../src/mapping/json-copy.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { col, table } from './helpers.js';

describe('JSON columns: stored as they are, searched through <field>_values', () => {
  it('the leaves of any shape, as strings, nulls left out, sorted', () => {
    expect(jsonLeaves([1, 2.5, 'x', null, true])).toEqual(['1', '2.5', 'true', 'x']);
    expect(jsonLeaves({ k: { deep: [{ a: 'z' }, ['y']] }, big: '12345678901234567890', f: 1e300 })).toEqual([
      '12345678901234567890',
      '1e+300',
      'y',
      'z',
    ]);
    expect(jsonLeaves(42)).toEqual(['42']);
    expect(jsonLeaves([])).toEqual([]);
    expect(jsonLeaves(null)).toBeNull();
  });

  it('documents carry the value and its copy; the index maps the value as a disabled object', () => {
    const columns = table([col('int', { name: 'id', nullable: false }), col('json', { name: 'attrs' })]);
    const m = new TableMapping({ table: 'shop.t', index: 't', rename: { attrs: 'a' } }, columns);
    expect(m.toDocument({ id: 1, attrs: '{"k": [1, "x"], "n": null}' })).toEqual({
      id: 1,
      a: { k: [1, 'x'], n: null },
      a_values: ['1', 'x'],
    });
    expect(m.toDocument({ id: 2, attrs: null })).toEqual({ id: 2, a: null, a_values: null });
    const props = columnProperties(m);
    expect(props.a).toEqual({ type: 'object', enabled: false });
    expect(props.a_values).toMatchObject({ type: 'text', fields: { keyword: { type: 'keyword' } } });
  });

  it('a column named like the copy keeps its field; that JSON column gets no copy', () => {
    const columns = table([
      col('int', { name: 'id', nullable: false }),
      col('varchar', { name: 'attrs_values' }),
      col('json', { name: 'attrs' }),
    ]);
    const m = new TableMapping({ table: 'shop.t', index: 't' }, columns);
    expect(m.toDocument({ id: 1, attrs_values: 'mine', attrs: '[1]' })).toEqual({
      id: 1,
      attrs_values: 'mine',
      attrs: [1],
    });
    expect(columnProperties(m).attrs_values).toBeUndefined();
  });
});
