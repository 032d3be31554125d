import { SynclineError } from '../../core/errors.js';
import type { ProductStatus } from '../entities.js';
import type { Accessories } from './accessories.js';
import { type CursorKey, decodeCursor } from './cursor.js';
import type { Synonyms } from './synonyms.js';
import { type TextTier, textQuery } from './text-query.js';

export const PRODUCT_SORTS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

/** Validated parameters of GET /api/products/search (the route schema guarantees types and bounds). */
export interface ProductSearchParams {
  q?: string;
  category?: number[];
  /** Names of the embedded category (products built with their category, docs/mapping.md). */
  category_name?: string[];
  price_min?: string;
  price_max?: string;
  status?: ProductStatus[];
  tags?: string[];
  facets?: boolean;
  highlight?: boolean;
  sort?: ProductSort;
  page?: number;
  size?: number;
  cursor?: string;
}

export interface ProductQueryOptions {
  defaultSize: number;
  priceRanges: readonly number[];
  categoryFacetSize: number;
  /** from + size may not exceed this (the engine's index.max_result_window). */
  maxWindow?: number;
  /** api.synonyms, applied to q. */
  synonyms?: Synonyms;
  /** Which tier of text matching q uses (text-query.ts); ProductSearch asks `fallback` when `strict` finds nothing. */
  textTier?: TextTier;
  /** Accessories q does not match (accessories.ts): ProductSearch sets it when q names none. */
  hideAccessories?: Accessories;
}

/**
 * Field names in the products document as the binlog mapping writes it: columns as fields, string
 * columns as text with a .keyword subfield, DECIMAL price as a scaled_float, ENUM status as a keyword.
 * The category name and the tags come from the built document (docs/mapping.md#documents-built-from-several-tables):
 * `category` embedded from categories, `tagged` from tags through product_tags — the tags JSON column
 * (and its copy tags_values) is no longer what the tag filter and facet read.
 */
export const PRODUCT_FIELDS = {
  text: ['name^3', 'description'],
  highlight: ['name', 'description'],
  category: 'category_id',
  categoryName: 'category.name.keyword',
  price: 'price',
  status: 'status',
  tags: 'tagged.name.keyword',
  created: 'created_at',
  id: 'id',
} as const;

const SORTS: Record<ProductSort, Array<Record<string, 'asc' | 'desc'>>> = {
  relevance: [{ _score: 'desc' }, { [PRODUCT_FIELDS.id]: 'asc' }],
  price_asc: [{ [PRODUCT_FIELDS.price]: 'asc' }, { [PRODUCT_FIELDS.id]: 'asc' }],
  price_desc: [{ [PRODUCT_FIELDS.price]: 'desc' }, { [PRODUCT_FIELDS.id]: 'asc' }],
  newest: [{ [PRODUCT_FIELDS.created]: 'desc' }, { [PRODUCT_FIELDS.id]: 'desc' }],
};

/** The search_after values each sort gives (and takes back in a cursor), in SORTS order. */
const CURSOR_KEYS: Record<ProductSort, readonly CursorKey[]> = {
  relevance: ['number', 'id'],
  price_asc: ['number', 'id'],
  price_desc: ['number', 'id'],
  newest: ['epoch', 'id'],
};

/**
 * Builds the search body from typed parameters; clients never send DSL. Category and price filters go
 * to post_filter so each facet counts over every other filter but its own (picking a category still
 * shows the counts of the other categories); q, status and tags narrow hits and facets alike.
 */
export function buildProductQuery(p: ProductSearchParams, o: ProductQueryOptions): Record<string, unknown> {
  const size = p.size ?? o.defaultSize;
  const page = p.page ?? 1;
  const sort = p.sort ?? 'relevance';
  const maxWindow = o.maxWindow ?? 10_000;
  if (p.cursor !== undefined && page !== 1) {
    throw bad('querystring.page', 'page and cursor cannot be combined; follow next_cursor from page 1');
  }
  if (page * size > maxWindow) {
    throw bad(
      'querystring.page',
      `page × size may not exceed ${maxWindow}; use the cursor (next_cursor) for deep paging`,
    );
  }
  const min = p.price_min === undefined ? undefined : Number(p.price_min);
  const max = p.price_max === undefined ? undefined : Number(p.price_max);
  if (min !== undefined && max !== undefined && min > max) {
    throw bad('querystring.price_min', 'price_min is greater than price_max');
  }

  const must: unknown[] = [];
  if (p.q !== undefined && p.q.trim() !== '') {
    // words of q in name or description, Chinese words folded and segmented (text-query.ts)
    must.push(textQuery(p.q, o.textTier ?? 'strict', o.synonyms, undefined, o.hideAccessories));
  }
  const filter: unknown[] = [];
  if (p.status?.length) filter.push({ terms: { [PRODUCT_FIELDS.status]: p.status } });
  for (const tag of p.tags ?? []) filter.push({ term: { [PRODUCT_FIELDS.tags]: tag } });

  const byId = p.category?.length ? { terms: { [PRODUCT_FIELDS.category]: p.category } } : undefined;
  const byName = p.category_name?.length
    ? { terms: { [PRODUCT_FIELDS.categoryName]: p.category_name } }
    : undefined;
  // ids and names both pick categories: post filters, so the category facets count the other categories
  const categoryFilter = byId && byName ? { bool: { filter: [byId, byName] } } : (byId ?? byName);
  const priceFilter =
    min !== undefined || max !== undefined
      ? {
          range: {
            [PRODUCT_FIELDS.price]: {
              ...(min !== undefined && { gte: min }),
              ...(max !== undefined && { lte: max }),
            },
          },
        }
      : undefined;
  const post = [categoryFilter, priceFilter].filter((f) => f !== undefined);

  const body: Record<string, unknown> = {
    track_total_hits: true,
    size,
    query: { bool: { must: must.length ? must : [{ match_all: {} }], filter } },
    sort: SORTS[sort],
  };
  if (post.length) body.post_filter = { bool: { filter: post } };
  if (p.cursor !== undefined) body.search_after = decodeCursor(p.cursor, sort, CURSOR_KEYS[sort]);
  else if (page > 1) body.from = (page - 1) * size;
  if (p.facets !== false) {
    body.aggs = {
      categories: {
        filter: { bool: { filter: priceFilter ? [priceFilter] : [] } },
        aggs: { ids: { terms: { field: PRODUCT_FIELDS.category, size: o.categoryFacetSize } } },
      },
      category_names: {
        filter: { bool: { filter: priceFilter ? [priceFilter] : [] } },
        aggs: { names: { terms: { field: PRODUCT_FIELDS.categoryName, size: o.categoryFacetSize } } },
      },
      tags: {
        filter: { bool: { filter: post } },
        aggs: { names: { terms: { field: PRODUCT_FIELDS.tags, size: o.categoryFacetSize } } },
      },
      price_ranges: {
        filter: { bool: { filter: categoryFilter ? [categoryFilter] : [] } },
        aggs: { ranges: { range: { field: PRODUCT_FIELDS.price, ranges: priceRanges(o.priceRanges) } } },
      },
    };
  }
  if (p.highlight !== false && must.length) {
    body.highlight = {
      encoder: 'html',
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      fields: {
        name: { number_of_fragments: 0 },
        description: { fragment_size: 150, number_of_fragments: 3 },
      },
    };
  }
  return body;
}

/** [100, 500] → [{to:100}, {from:100,to:500}, {from:500}] with stable keys. */
export function priceRanges(bounds: readonly number[]): Array<{ key: string; from?: number; to?: number }> {
  const sorted = [...new Set(bounds)].sort((a, b) => a - b);
  if (sorted.length === 0) return [{ key: '*-*' }];
  const out: Array<{ key: string; from?: number; to?: number }> = [{ key: `*-${sorted[0]}`, to: sorted[0]! }];
  for (let i = 1; i < sorted.length; i++) {
    out.push({ key: `${sorted[i - 1]}-${sorted[i]}`, from: sorted[i - 1]!, to: sorted[i]! });
  }
  out.push({ key: `${sorted[sorted.length - 1]}-*`, from: sorted[sorted.length - 1]! });
  return out;
}

function bad(field: string, message: string): SynclineError {
  return new SynclineError('API_BAD_QUERY', `${field}: ${message}`, { details: { field } });
}
