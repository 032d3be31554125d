import { describe, expect, it } from 'vitest';
import { cacheKey, SearchCache } from '../../../src/catalog/search/search-cache.js';

describe('SearchCache', () => {
  it('serves within the TTL, expires after it, and counts hits and misses', () => {
    let now = 1_000;
    const c = new SearchCache<string>(100, 10, () => now);
    expect(c.get('a')).toBeUndefined();
    c.set('a', 'A');
    expect(c.get('a')).toBe('A');
    now += 99;
    expect(c.get('a')).toBe('A');
    now += 1;
    expect(c.get('a')).toBeUndefined();
    expect(c.stats()).toEqual({ hits: 2, misses: 2, evictions: 0, size: 0 });
  });

  it('evicts the least recently used entry first', () => {
    const c = new SearchCache<number>(10_000, 2);
    c.set('a', 1);
    c.set('b', 2);
    c.get('a'); // a is now more recent than b
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.stats().evictions).toBe(1);
  });

  it('ttl 0 disables the cache (nothing stored, nothing counted as a hit)', () => {
    const c = new SearchCache<number>(0, 10);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 0, size: 0 });
  });

  it('keys ignore parameter order and the order of repeated values', () => {
    expect(cacheKey('p', { q: 'x', tags: ['b', 'a'], size: 10 })).toBe(
      cacheKey('p', { size: 10, tags: ['a', 'b'], q: 'x', page: undefined }),
    );
    expect(cacheKey('p', { q: 'x' })).not.toBe(cacheKey('other-index', { q: 'x' }));
    expect(cacheKey('p', { q: 'x' })).not.toBe(cacheKey('p', { q: 'y' }));
  });
});
