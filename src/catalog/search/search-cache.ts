/** Counters the metrics work reads (see searchCacheStats()). */
export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
}

/**
 * A small in-memory LRU with a TTL for search responses. A Map keeps insertion order, so re-inserting
 * on a hit makes the first key the least recently used. An entry is served for at most ttlMs after the
 * engine answered, so a cached answer is at most ttlMs older than an uncached one (docs/api.md#search-cache).
 */
export class SearchCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly counters = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(key: string): V | undefined {
    if (!this.enabled) return undefined;
    const e = this.entries.get(key);
    if (e === undefined || e.expires <= this.now()) {
      if (e !== undefined) this.entries.delete(key);
      this.counters.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    this.counters.hits++;
    return e.value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.counters.evictions++;
    }
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): CacheStats {
    return { ...this.counters, size: this.entries.size };
  }
}

/** A stable key: the same parameters in any order (and repeated values in any order) give the same key. */
export function cacheKey(scope: string, params: Record<string, unknown>): string {
  const norm: Record<string, unknown> = {};
  for (const k of Object.keys(params).sort()) {
    const v = params[k];
    if (v === undefined) continue;
    norm[k] = Array.isArray(v) ? [...v].map(String).sort() : v;
  }
  return `${scope}\u0000${JSON.stringify(norm)}`;
}
