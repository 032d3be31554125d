import type { SearchClient } from '../../sinks/search/client.js';
import { Accessories } from './accessories.js';
import { encodeCursor } from './cursor.js';
import { engineSearch } from './engine-call.js';
import { buildProductQuery, type ProductQueryOptions, type ProductSearchParams } from './product-query.js';
import { type CacheStats, cacheKey, SearchCache } from './search-cache.js';
import { Synonyms } from './synonyms.js';
import { queryUnits } from './text-query.js';

/** Counts what q matched before post filters: zero sends the search to the fallback tier. */
const MATCHED = 'q_matched';

export interface ProductHit {
  [field: string]: unknown;
  id: unknown;
  score: number | null;
  highlight?: Record<string, string[]>;
}

export interface ProductSearchResult {
  total: number;
  page: number;
  size: number;
  items: ProductHit[];
  next_cursor: string | null;
  facets?: {
    categories: Array<{ category_id: number; count: number }>;
    /** By the embedded category's name (empty when products are not built with their category). */
    category_names: Array<{ name: string; count: number }>;
    tags: Array<{ tag: string; count: number }>;
    price_ranges: Array<{ key: string; from: number | null; to: number | null; count: number }>;
  };
}

export interface ProductSearchOptions
  extends Omit<ProductQueryOptions, 'synonyms' | 'textTier' | 'hideAccessories'> {
  index: string;
  /** api.synonyms groups. */
  synonyms?: ReadonlyArray<readonly string[]>;
  /** api.accessoryTerms. */
  accessoryTerms?: readonly string[];
  timeoutMs: number;
  cache: { ttlMs: number; maxEntries: number };
}

interface RawHit {
  _id: string;
  _score: number | null;
  _source?: Record<string, unknown>;
  highlight?: Record<string, string[]>;
  sort?: unknown[];
}

interface RawResponse {
  hits: { total: { value: number } | number; hits: RawHit[] };
  aggregations?: {
    categories?: { ids: { buckets: Array<{ key: number | string; doc_count: number }> } };
    category_names?: { names: { buckets: Array<{ key: string; doc_count: number }> } };
    tags?: { names: { buckets: Array<{ key: string; doc_count: number }> } };
    q_matched?: { doc_count: number };
    price_ranges?: {
      ranges: { buckets: Array<{ key: string; from?: number; to?: number; doc_count: number }> };
    };
  };
}

/** GET /api/products/search: typed parameters → one engine request (or a cache hit) → a stable response shape. */
export class ProductSearch {
  readonly cache: SearchCache<ProductSearchResult>;
  private readonly synonyms: Synonyms | undefined;

  constructor(
    private readonly client: SearchClient,
    private readonly opts: ProductSearchOptions,
  ) {
    this.cache = new SearchCache(opts.cache.ttlMs, opts.cache.maxEntries);
    this.synonyms = opts.synonyms?.length ? new Synonyms(opts.synonyms) : undefined;
    this.accessories = opts.accessoryTerms?.length ? new Accessories(opts.accessoryTerms) : undefined;
  }

  private readonly accessories: Accessories | undefined;

  /** Hit/miss counters of the search cache, for metrics. */
  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  async search(params: ProductSearchParams): Promise<ProductSearchResult & { cached: boolean }> {
    const key = cacheKey(this.opts.index, params as Record<string, unknown>);
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true };
    const { synonyms: _groups, accessoryTerms: _terms, ...opts } = this.opts;
    const query: ProductQueryOptions = { ...opts, ...(this.synonyms && { synonyms: this.synonyms }) };
    const q = params.q?.trim() ?? '';
    const call = (b: Record<string, unknown>) =>
      engineSearch<RawResponse>(this.client, this.opts.index, b, { timeoutMs: this.opts.timeoutMs });
    if (q === '') {
      const body = buildProductQuery(params, query);
      const result = shape(await call(body), params, body);
      this.cache.set(key, result);
      return { ...result, cached: false };
    }
    // the words first, then (nothing in the catalog holds them) typos, pinyin and initials; in each tier
    // first without the accessories when q names none (accessories.ts). Each step is asked only when the
    // one before matched nothing; the decision depends on q and the query filters only, so every page of
    // a cursor walk takes the same step.
    const steps: ProductQueryOptions[] = [];
    for (const textTier of ['strict', 'fallback'] as const) {
      const a = this.accessories;
      if (a && !a.mentionedIn(queryUnits(q, textTier, this.synonyms)))
        steps.push({ ...query, textTier, hideAccessories: a });
      steps.push({ ...query, textTier });
    }
    let body: Record<string, unknown> = {};
    let raw: RawResponse | undefined;
    for (const step of steps) {
      body = buildProductQuery(params, step);
      body.aggs = { ...(body.aggs as object | undefined), [MATCHED]: { filter: { match_all: {} } } };
      raw = await call(body);
      if (raw.aggregations?.[MATCHED]?.doc_count !== 0) break;
    }
    const result = shape(raw!, params, body);
    this.cache.set(key, result);
    return { ...result, cached: false };
  }
}

function shape(raw: RawResponse, p: ProductSearchParams, body: Record<string, unknown>): ProductSearchResult {
  const size = body.size as number;
  const total = typeof raw.hits.total === 'number' ? raw.hits.total : raw.hits.total.value;
  const hits = raw.hits.hits;
  const items = hits.map((h) => ({
    ...(h._source ?? {}),
    id: h._source?.id ?? h._id,
    score: h._score ?? null,
    ...(h.highlight && { highlight: h.highlight }),
  }));
  const last = hits[hits.length - 1];
  const sort = p.sort ?? 'relevance';
  const result: ProductSearchResult = {
    total,
    page: p.page ?? 1,
    size,
    items,
    next_cursor: hits.length === size && last?.sort ? encodeCursor(sort, last.sort) : null,
  };
  const aggs = raw.aggregations;
  if (aggs?.categories && aggs.price_ranges) {
    result.facets = {
      categories: aggs.categories.ids.buckets.map((b) => ({
        category_id: Number(b.key),
        count: b.doc_count,
      })),
      category_names: (aggs.category_names?.names.buckets ?? []).map((b) => ({
        name: String(b.key),
        count: b.doc_count,
      })),
      tags: (aggs.tags?.names.buckets ?? []).map((b) => ({ tag: String(b.key), count: b.doc_count })),
      price_ranges: aggs.price_ranges.ranges.buckets.map((b) => ({
        key: b.key,
        from: b.from ?? null,
        to: b.to ?? null,
        count: b.doc_count,
      })),
    };
  }
  return result;
}
