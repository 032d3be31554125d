/**
 * A bounded memo for the pure per-word and per-run functions of the enrichment: vocabularies are small
 * (a catalog says 手机, 出品, 型号 over and over), so a hit replaces microseconds of segmentation or pinyin
 * with a Map lookup. Full → cleared (cheaper than LRU bookkeeping on every hit, refilled within a batch).
 */
export function memo<T>(fn: (key: string) => T, maxEntries: number, maxKeyLength = 64): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (key.length <= maxKeyLength) {
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}
