import { describe, expect, it } from 'vitest';
import { embeddedKeysQuery } from '../../../src/mapping/relations/index-lookup.js';
import type { RelationNode } from '../../../src/mapping/relations/relation-tree.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { col, table } from './helpers.js';

/**
 * The index look-up of a deleted related row also finds the roots that still name it in their own link
 * column but embed nothing: a root row read before the delete and the related row read after it.
 */
const products = new TableMapping(
  { table: 'shop.products', index: 'products', rename: { category_id: 'cat' } },
  table([col('int', { name: 'id' }), col('int', { name: 'category_id' }), col('varchar', { name: 'name' })]),
);
const categories = new TableMapping(
  { table: 'shop.categories', index: 'x' },
  { ...table([col('int', { name: 'id' }), col('varchar', { name: 'name' })]), table: 'categories' },
);
const node = (o: Partial<RelationNode>): RelationNode =>
  ({
    database: 'shop',
    table: 'categories',
    field: 'category',
    path: 'category',
    kind: 'many-to-one',
    parent: undefined,
    through: undefined,
    nested: false,
    children: [],
    parentColumns: ['category_id'],
    linkColumns: ['id'],
    keyColumns: ['id'],
    mapping: categories,
    ...o,
  }) as unknown as RelationNode;

describe('index look-up of a deleted related row', () => {
  it('a top-level many-to-one: the embedded key, or the root link field (renamed) naming it', () => {
    expect(embeddedKeysQuery(node({}), [[16], [17]], products)).toEqual({
      bool: {
        should: [
          {
            bool: {
              should: [
                { bool: { filter: [{ term: { 'category.id': 16 } }] } },
                { bool: { filter: [{ term: { 'category.id': 17 } }] } },
              ],
              minimum_should_match: 1,
            },
          },
          { bool: { filter: [{ term: { cat: 16 } }] } },
          { bool: { filter: [{ term: { cat: 17 } }] } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('a deeper level or a one-to-many: the embedded key only', () => {
    const parent = node({});
    expect(embeddedKeysQuery(node({ parent, path: 'category.parent' }), [[2]], products)).toEqual({
      bool: { filter: [{ term: { 'category.parent.id': 2 } }] },
    });
    const skus = node({
      kind: 'one-to-many',
      path: 'skus',
      parentColumns: ['id'],
      linkColumns: ['product_id'],
      nested: true,
    });
    expect(embeddedKeysQuery(skus, [[5]], products)).toEqual({
      nested: { path: 'skus', query: { bool: { filter: [{ term: { 'skus.id': 5 } }] } } },
    });
  });
});
