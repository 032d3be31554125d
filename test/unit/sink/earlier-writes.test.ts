import { describe, expect, it } from 'vitest';
import { bulkTouches } from '../../../src/sinks/search/earlier-writes.js';

describe('bulkTouches: which running bulk requests a successor waits for', () => {
  it('matches an alias and its generations, by the engines’ task description', () => {
    expect(bulkTouches('requests[1000], indices[shop_products]', ['shop_products'])).toBe(true);
    expect(bulkTouches('requests[3], indices[logs, shop_products_v12]', ['shop_products'])).toBe(true);
  });

  it('does not match other indexes, prefixes included', () => {
    expect(bulkTouches('requests[1], indices[shop_products_archive]', ['shop_products'])).toBe(false);
    expect(bulkTouches('requests[1], indices[shop_products_v2x]', ['shop_products'])).toBe(false);
    expect(bulkTouches('requests[1], indices[shop]', ['shop_products'])).toBe(false);
  });

  it('counts a description it cannot read as ours (waiting is bounded, missing a write is not)', () => {
    expect(bulkTouches(undefined, ['shop_products'])).toBe(true);
    expect(bulkTouches('bulk of something', ['shop_products'])).toBe(true);
  });
});
