import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PRODUCT_STATUSES } from '../catalog/entities.js';
import { PRODUCT_SORTS } from '../catalog/search/product-query.js';

export type AnySchema = TSchema;

/**
 * JSON Schemas of every input and output, in TypeBox so handlers get the static types. Every object
 * is closed (additionalProperties: false) and every string bounded.
 */
const closed = { additionalProperties: false } as const;

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code from the error catalog, e.g. SYNC_S3001.' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error has this shape.' },
);

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const IdParams = Type.Object({ id: Id }, closed);

const Timestamp = Type.String({ description: 'UTC, microseconds: 2025-01-02T03:04:05.123456Z' });
const Price = Type.String({
  pattern: '^(0|[1-9][0-9]{0,9})\\.[0-9]{2}$',
  maxLength: 13,
  description: 'a decimal string with exactly 2 decimals, ≥ 0, e.g. "12.50"',
});
const PriceBound = Type.String({
  pattern: '^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$',
  maxLength: 13,
  description: 'a decimal ≥ 0 with at most 2 decimals, e.g. 100 or 99.90',
});
const Version = Type.Integer({
  minimum: 1,
  maximum: 4294967295,
  description: 'The version you read; a stale one gets 409 SYNC_S3003.',
});
const UpdatedAt = Type.String({
  format: 'utc-micros',
  maxLength: 27,
  description: 'the updated_at you read, e.g. 2025-01-02T03:04:05.123456Z; a stale one gets 409 SYNC_S3003',
});
const Tag = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[^\\u0000-\\u001f]+$',
  description: 'a short tag (1–32 characters, no control characters)',
});
const Name = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

// ---- products
const productFields = {
  name: Name(255),
  description: Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()]),
  price: Price,
  category_id: Type.Integer({ minimum: 1, maximum: 4294967295 }),
  tags: Type.Union([Type.Array(Tag, { maxItems: 20, uniqueItems: true }), Type.Null()]),
  stock: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  status: Type.Union(PRODUCT_STATUSES.map((s) => Type.Literal(s))),
};
export const ProductCreate = Type.Object(
  {
    ...productFields,
    description: Type.Optional(productFields.description),
    tags: Type.Optional(productFields.tags),
    stock: Type.Optional(productFields.stock),
    status: Type.Optional(productFields.status),
  },
  closed,
);
export const ProductPut = Type.Object({ ...productFields, version: Version }, closed);
export const ProductPatch = Type.Object(
  { ...partial(productFields), version: Version },
  { ...closed, minProperties: 2 },
);
export const Product = Type.Object(
  {
    id: Type.Integer(),
    ...productFields,
    version: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {},
);

// ---- categories
const Slug = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  description: 'lowercase letters, digits and single dashes, e.g. home-appliances',
});
const categoryFields = {
  name: Name(100),
  slug: Slug,
  parent_id: Type.Union([Type.Integer({ minimum: 1, maximum: 4294967295 }), Type.Null()]),
};
export const CategoryCreate = Type.Object(
  { ...categoryFields, parent_id: Type.Optional(categoryFields.parent_id) },
  closed,
);
export const CategoryPut = Type.Object({ ...categoryFields, updated_at: UpdatedAt }, closed);
export const CategoryPatch = Type.Object(
  { ...partial(categoryFields), updated_at: UpdatedAt },
  { ...closed, minProperties: 2 },
);
export const Category = Type.Object(
  { id: Type.Integer(), ...categoryFields, created_at: Timestamp, updated_at: Timestamp },
  {},
);

// ---- users
const userFields = {
  email: Type.String({ format: 'email', maxLength: 255, description: 'an e-mail address' }),
  display_name: Name(100),
  city: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
  is_active: Type.Boolean(),
};
export const UserCreate = Type.Object(
  { ...userFields, city: Type.Optional(userFields.city), is_active: Type.Optional(userFields.is_active) },
  closed,
);
export const UserPut = Type.Object({ ...userFields, version: Version }, closed);
export const UserPatch = Type.Object(
  { ...partial(userFields), version: Version },
  { ...closed, minProperties: 2 },
);
export const User = Type.Object(
  {
    id: Type.Integer(),
    ...userFields,
    version: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {},
);

function partial<T extends Record<string, TSchema>>(fields: T) {
  return Type.Partial(Type.Object(fields)).properties;
}

// ---- list / delete parameters
export const pageParams = (maxSize: number) => ({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: '1-based page.' })),
  size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: maxSize, description: `Items per page (≤ ${maxSize}).` }),
  ),
});
export const DeleteQuery = {
  version: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 4294967295, description: 'Delete only if still at this version.' }),
  ),
  updated_at: Type.Optional(UpdatedAt),
};

export const ListFilters = {
  products: {
    category_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
    status: Type.Optional(productFields.status),
  },
  categories: { parent_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })) },
  users: { is_active: Type.Optional(Type.Boolean()) },
};

// ---- search
export const productSearchQuery = (maxSize: number) =>
  Type.Object(
    {
      q: Type.Optional(
        Type.String({
          maxLength: 200,
          description: 'Full text over name and description (Chinese or English).',
        }),
      ),
      category: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1, maximum: 4294967295 }), {
          maxItems: 50,
          description: 'category_id; repeat for several (any of them).',
        }),
      ),
      category_name: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
          maxItems: 50,
          description: "The embedded category's name (category.name, exact); repeat for any of several.",
        }),
      ),
      price_min: Type.Optional(PriceBound),
      price_max: Type.Optional(PriceBound),
      status: Type.Optional(
        Type.Array(productFields.status, { maxItems: 3, description: 'Repeat for several (any of them).' }),
      ),
      tags: Type.Optional(
        Type.Array(Tag, { maxItems: 10, description: 'Repeat for several; a hit has all of them.' }),
      ),
      facets: Type.Optional(Type.Boolean({ description: 'Include facets (default true).' })),
      highlight: Type.Optional(
        Type.Boolean({ description: 'Highlight q in name and description (default true).' }),
      ),
      sort: Type.Optional(
        Type.Union(
          PRODUCT_SORTS.map((s) => Type.Literal(s)),
          { description: 'relevance (default), price_asc, price_desc, newest' },
        ),
      ),
      ...pageParams(maxSize),
      cursor: Type.Optional(
        Type.String({
          maxLength: 512,
          pattern: '^[A-Za-z0-9_-]+$',
          description: 'next_cursor of the previous page (search_after deep paging; page must be 1).',
        }),
      ),
    },
    closed,
  );

export const ProductSearchResponse = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  size: Type.Integer(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  items: Type.Array(
    Type.Object(
      {
        id: Type.Unknown(),
        score: Type.Union([Type.Number(), Type.Null()]),
        highlight: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
      },
      { additionalProperties: true },
    ),
  ),
  facets: Type.Optional(
    Type.Object({
      categories: Type.Array(Type.Object({ category_id: Type.Integer(), count: Type.Integer() })),
      category_names: Type.Array(Type.Object({ name: Type.String(), count: Type.Integer() })),
      tags: Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() })),
      price_ranges: Type.Array(
        Type.Object({
          key: Type.String(),
          from: Type.Union([Type.Number(), Type.Null()]),
          to: Type.Union([Type.Number(), Type.Null()]),
          count: Type.Integer(),
        }),
      ),
    }),
  ),
});

// ---- logs
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogRecord = Type.Object(
  {
    ts: Type.String({
      format: 'date-time',
      maxLength: 40,
      description: 'ISO-8601 with a zone, e.g. 2025-01-02T03:04:05.678Z',
    }),
    level: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
    service: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_.:-]+$',
      description: 'letters, digits, _ . : - (1–64)',
    }),
    message: Type.String({
      minLength: 1,
      maxLength: 8_192,
      pattern: '\\S',
      description: 'not blank, at most 8192 characters',
    }),
    fields: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
        description: 'Structured context; nesting depth and JSON size are bounded (api.logs.*).',
      }),
    ),
  },
  closed,
);
export type LogRecord = Static<typeof LogRecord>;

export const logSearchQuery = (maxSize: number) =>
  Type.Object(
    {
      q: Type.Optional(Type.String({ maxLength: 200, description: 'Full text over message.' })),
      level: Type.Optional(
        Type.Array(LogRecord.properties.level, { maxItems: 6, description: 'Repeat for several.' }),
      ),
      service: Type.Optional(
        Type.Array(LogRecord.properties.service, { maxItems: 20, description: 'Repeat for several.' }),
      ),
      from: Type.Optional(
        Type.String({ format: 'date-time', maxLength: 40, description: 'ts ≥ from (ISO-8601).' }),
      ),
      to: Type.Optional(
        Type.String({ format: 'date-time', maxLength: 40, description: 'ts < to (ISO-8601).' }),
      ),
      ...pageParams(maxSize),
      cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })),
    },
    closed,
  );
