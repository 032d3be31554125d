import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../src/catalog/search/cursor.js';
import { buildProductQuery, priceRanges } from '../../../src/catalog/search/product-query.js';
import { isSynclineError } from '../../../src/core/errors.js';

const opts = { defaultSize: 20, priceRanges: [100, 500], categoryFacetSize: 50 };

/** The built body, walked by dotted path (test-only; the body is plain JSON). */
function build(p: Parameters<typeof buildProductQuery>[0]) {
  const body = buildProductQuery(p, opts);
  return (path: string): unknown =>
    path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], body);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isSynclineError(e) ? e.code : 'not a SynclineError';
  }
  return undefined;
}

describe('buildProductQuery', () => {
  it('puts q in must, status/tags in filter, category/price in post_filter, facets excluding their own filter', () => {
    const body = build({
      q: '华为 手机',
      status: ['active'],
      tags: ['sale', '5G'],
      category: [1, 2],
      price_min: '100',
      price_max: '999.50',
    });
    // q: every term in name or description as before (text-query.ts adds Chinese-word alternatives)
    expect(JSON.stringify(body('query.bool.must.0'))).toContain(
      JSON.stringify({
        multi_match: {
          query: '华为 手机',
          fields: ['name^3', 'description'],
          type: 'cross_fields',
          operator: 'and',
        },
      }),
    );
    expect(body('query.bool.filter')).toEqual([
      { terms: { status: ['active'] } },
      { term: { 'tagged.name.keyword': 'sale' } },
      { term: { 'tagged.name.keyword': '5G' } },
    ]);
    expect(body('post_filter.bool.filter')).toEqual([
      { terms: { category_id: [1, 2] } },
      { range: { price: { gte: 100, lte: 999.5 } } },
    ]);
    expect(body('aggs.categories.filter.bool.filter')).toEqual([
      { range: { price: { gte: 100, lte: 999.5 } } },
    ]);
    expect(body('aggs.price_ranges.filter.bool.filter')).toEqual([{ terms: { category_id: [1, 2] } }]);
    expect(body('highlight.fields')).toHaveProperty('name');
  });

  it('match_all without q, no highlight, no aggs when facets=false', () => {
    const body = build({ facets: false });
    expect(body('query.bool.must')).toEqual([{ match_all: {} }]);
    expect(body('highlight')).toBeUndefined();
    expect(body('aggs')).toBeUndefined();
    expect(body('size')).toBe(20);
  });

  it('sort orders end with the id tie-breaker', () => {
    expect(build({ sort: 'price_asc' })('sort')).toEqual([{ price: 'asc' }, { id: 'asc' }]);
    expect(build({ sort: 'newest' })('sort')).toEqual([{ created_at: 'desc' }, { id: 'desc' }]);
  });

  it('cursor becomes search_after; a cursor of another sort, garbage, or page>1 with a cursor is SYNC_S3005', () => {
    // the engine gives a price sort value as a number
    const c = encodeCursor('price_asc', [12.5, 7]);
    expect(build({ sort: 'price_asc', cursor: c })('search_after')).toEqual([12.5, 7]);
    expect(code(() => buildProductQuery({ sort: 'newest', cursor: c }, opts))).toBe('SYNC_S3005');
    expect(code(() => buildProductQuery({ cursor: 'bm90LWpzb24' }, opts))).toBe('SYNC_S3005');
    expect(code(() => buildProductQuery({ sort: 'price_asc', cursor: c, page: 2 }, opts))).toBe('SYNC_S3005');
    const deep = encodeCursor('relevance', [{ nested: true }, 1] as never);
    expect(code(() => buildProductQuery({ cursor: deep }, opts))).toBe('SYNC_S3005');
  });

  it("a cursor's values must fit its sort: count, and type per key (null never)", () => {
    const ok: Array<[string, unknown[]]> = [
      ['price_asc', [0, 1]],
      ['price_desc', [5999.99, '18446744073709551615']],
      ['relevance', [1.2345, 3]],
      ['newest', [1735689600000, 9]],
    ];
    for (const [sort, a] of ok) {
      expect(build({ sort: sort as 'newest', cursor: encodeCursor(sort, a) })('search_after')).toEqual(a);
    }
    const bad: Array<[string, unknown[]]> = [
      ['price_asc', [null, null]],
      ['price_asc', [1, null]],
      ['price_asc', [1]],
      ['price_asc', [1, 2, 3]],
      ['price_asc', ['12.5', 1]],
      ['price_asc', [1, 'x1']],
      ['price_asc', [1, -2]],
      ['price_asc', [1, 1.5]],
      ['newest', [1.5, 1]],
      ['newest', ['2025-01-01', 1]],
      ['relevance', [true, 1]],
    ];
    for (const [sort, a] of bad) {
      const cursor = encodeCursor(sort, a);
      expect(
        code(() => buildProductQuery({ sort: sort as 'newest', cursor }, opts)),
        JSON.stringify(a),
      ).toBe('SYNC_S3005');
    }
  });

  it('refuses windows past 10000 and inverted price ranges', () => {
    expect(code(() => buildProductQuery({ page: 101, size: 100 }, opts))).toBe('SYNC_S3005');
    expect(code(() => buildProductQuery({ price_min: '10', price_max: '9.99' }, opts))).toBe('SYNC_S3005');
  });

  it('price ranges cover everything with from-inclusive buckets', () => {
    expect(priceRanges([500, 100])).toEqual([
      { key: '*-100', to: 100 },
      { key: '100-500', from: 100, to: 500 },
      { key: '500-*', from: 500 },
    ]);
  });
});
