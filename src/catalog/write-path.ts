import type { EntityManager } from 'typeorm';
import type { ApiConfig } from '../config/schema.js';

export const CATALOG_TABLES = ['products', 'categories', 'users'] as const;
export type CatalogTable = (typeof CATALOG_TABLES)[number];
export type WriteKind = 'upsert' | 'delete';
export type WriteMode = ApiConfig['writeModes'][CatalogTable];

/** What a write path gets for one written row. */
export interface WriteContext {
  /** The transaction's manager: an outbox row written through it commits or rolls back with the row. */
  readonly manager: EntityManager;
  readonly requestId: string;
  /**
   * Runs `fn` once the transaction has committed (never on rollback), before the response is sent,
   * in registration order; what it returns is reported in the `x-syncline-index` response header.
   */
  afterCommit(fn: AfterCommit): void;
}

/**
 * After-commit work of a write path; what it returns is reported in the response (x-syncline-index,
 * and x-syncline-version when it knows the document version the change will be written with).
 */
export type AfterCommit = () =>
  | Promise<IndexState | IndexReport | undefined>
  | IndexState
  | IndexReport
  | undefined;

/**
 * How far the index is, as the response reports it (x-syncline-index): `pipeline` (cdc: the binlog
 * pipeline indexes it), `indexed` (applied, or already superseded), `queued` (indexing in the
 * background), `behind` (not indexed yet: retrying in the background, or in the dead-letter store).
 */
export type IndexState = 'pipeline' | 'indexed' | 'queued' | 'behind';

export interface IndexReport {
  readonly state: IndexState;
  /** The external version of the change's document write. */
  readonly version?: bigint;
}

/**
 * How a catalog write reaches the search index, chosen per table (api.writeModes). Called inside the
 * TypeORM transaction, after the row was written and re-read (`row` is the stored row; for a delete,
 * the row as it was). Throwing rolls the write back.
 */
export interface WritePath {
  readonly mode: WriteMode;
  afterWrite(
    table: CatalogTable,
    kind: WriteKind,
    row: Readonly<Record<string, unknown>>,
    ctx: WriteContext,
  ): Promise<void>;
}

/** `cdc`: the handler only writes MariaDB; the binlog pipeline picks the change up and indexes it. */
export class CdcWritePath implements WritePath {
  readonly mode = 'cdc' as const;
  async afterWrite(
    _t: CatalogTable,
    _k: WriteKind,
    _r: Readonly<Record<string, unknown>>,
    ctx: WriteContext,
  ) {
    ctx.afterCommit(() => 'pipeline');
  }
}

export type WritePaths = Readonly<Record<CatalogTable, WritePath>>;

/** One write path per table from the config; modes other than cdc come from `factories` (write-paths.ts). */
export function writePathsFromConfig(
  modes: ApiConfig['writeModes'],
  factories: Partial<Record<WriteMode, (table: CatalogTable) => WritePath>> = {},
): WritePaths {
  const make = (table: CatalogTable): WritePath => {
    const mode = modes[table];
    const factory = factories[mode];
    if (factory) return factory(table);
    if (mode === 'cdc') return new CdcWritePath();
    throw new Error(`api.writeModes.${table}: mode ${String(mode)} is not available`);
  };
  return { products: make('products'), categories: make('categories'), users: make('users') };
}
