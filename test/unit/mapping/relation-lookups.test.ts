import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Row } from '../../../src/core/change-event.js';
import { AffectedRootsCollector, emptyAffected } from '../../../src/mapping/relations/affected-roots.js';
import { pathString } from '../../../src/mapping/relations/document-builder.js';
import type { RelationNode, RelationTree } from '../../../src/mapping/relations/relation-tree.js';

/**
 * Which roots a related-row change names when the source gives no before-image (polling, the outbox):
 * a child whose link is not its key is looked up in the index by its key (its old roots), besides
 * climbing with the image it has; a row whose link is its key climbs as usual.
 */
const node = (o: Partial<RelationNode> & Pick<RelationNode, 'table' | 'kind'>): RelationNode =>
  ({
    database: 'd',
    field: o.table,
    where: `relations.${o.table}`,
    path: o.table,
    parent: undefined,
    through: undefined,
    nested: false,
    children: [],
    mapping: { config: {} },
    ...o,
  }) as unknown as RelationNode;

const skus = node({
  table: 'skus',
  kind: 'one-to-many',
  parentColumns: ['id'],
  linkColumns: ['product_id'],
  keyColumns: ['id'],
});
const categories = node({
  table: 'categories',
  kind: 'many-to-one',
  parentColumns: ['category_id'],
  linkColumns: ['id'],
  keyColumns: ['id'],
});
const tree = {
  root: { database: 'd', table: 'products', keyColumns: ['id'], idOf: (r: Row) => String(r.id) },
  nodes: [skus, categories],
  top: [skus, categories],
  cascadeSources: new Set<string>(),
} as unknown as RelationTree;

let version = 0n;
const ev = (table: string, op: ChangeEvent['op'], before: Row | null, after: Row | null, key: Row) =>
  ({
    op,
    before,
    after,
    key,
    source: { connector: 'polling', database: 'd', table, position: { version: ++version }, snapshot: false },
  }) as unknown as ChangeEvent;

function collect(...events: ChangeEvent[]) {
  const a = emptyAffected();
  const c = new AffectedRootsCollector(tree);
  for (const e of events) c.add(a, e);
  return {
    roots: [...a.keys.values()].map((k) => k.id).sort(),
    lookups: a.lookups.map((l) => `${l.node.table}:${l.key.join(',')}`),
    selectors: [...a.selectors.values()].map((s) => [...s.tuples.values()].map((t) => t.join(','))),
  };
}

describe('related-row changes without a before-image', () => {
  it('a polled child row: its new root by its link, its old roots through the index by its key', () => {
    expect(collect(ev('skus', 'u', null, { id: 1, product_id: 5, code: 'x' }, { id: 1 }))).toEqual({
      roots: ['5'],
      lookups: ['skus:1'],
      selectors: [],
    });
  });

  it('a tombstone (key and tracking value only): looked up by its key', () => {
    expect(collect(ev('skus', 'd', { id: 3, updated_at: 't' }, null, { id: 3 }))).toEqual({
      roots: [],
      lookups: ['skus:3'],
      selectors: [],
    });
    // an outbox delete: no before-image at all, only the key
    expect(collect(ev('skus', 'd', null, null, { id: 4 })).lookups).toEqual(['skus:4']);
  });

  it('the binlog gives both images: old and new roots by their links, no look-up', () => {
    expect(
      collect(
        ev('skus', 'u', { id: 1, product_id: 1, code: 'x' }, { id: 1, product_id: 5, code: 'x' }, { id: 1 }),
      ),
    ).toEqual({ roots: ['1', '5'], lookups: [], selectors: [] });
  });

  it('a row whose link is its key (a category) climbs as usual, also deleted with only its key', () => {
    expect(collect(ev('categories', 'u', null, { id: 3, name: 'n' }, { id: 3 }))).toEqual({
      roots: [],
      lookups: [],
      selectors: [['3']],
    });
    expect(collect(ev('categories', 'd', null, null, { id: 12 })).selectors).toEqual([['12']]);
  });
});

describe('pathString', () => {
  const p = { column: 'name', via: 'parent', separator: ' > ' };
  it('names from the top down, skipping levels without a value', () => {
    expect(
      pathString({ name: '手机', parent: { name: '数码', parent: { name: '全部', parent: null } } }, p),
    ).toBe('全部 > 数码 > 手机');
    expect(pathString({ name: '手机', parent: null }, p)).toBe('手机');
    expect(pathString({ name: '手机', parent: { name: null } }, p)).toBe('手机');
  });
});
