import {
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type ObjectLiteral,
  QueryFailedError,
} from 'typeorm';
import { SynclineError } from '../core/errors.js';
import { Category, Product, User } from './entities.js';
import type { AfterCommit, CatalogTable, IndexState, WriteContext, WritePaths } from './write-path.js';

/** How a stale write is detected: a version counter (products, users) or the updated_at timestamp (categories). */
type Concurrency = 'version' | 'updated_at';

export interface ResourceDef<E extends ObjectLiteral> {
  readonly table: CatalogTable;
  readonly entity: EntityTarget<E>;
  readonly concurrency: Concurrency;
  /** Columns a list request may filter on with equality. */
  readonly filters: readonly string[];
  /** Checks references of an input inside the write transaction (400 naming the field). */
  checkRefs?(manager: EntityManager, input: Partial<E>, id?: number): Promise<void>;
  /** Refuses a delete that would leave references dangling (409). */
  checkDelete?(manager: EntityManager, id: number): Promise<void>;
}

export const RESOURCES = {
  products: {
    table: 'products',
    entity: Product,
    concurrency: 'version',
    filters: ['category_id', 'status'],
    async checkRefs(manager, input) {
      if (input.category_id !== undefined && !(await manager.existsBy(Category, { id: input.category_id }))) {
        throw invalid('body.category_id', `category ${input.category_id} does not exist`);
      }
    },
  } satisfies ResourceDef<Product>,
  categories: {
    table: 'categories',
    entity: Category,
    concurrency: 'updated_at',
    filters: ['parent_id'],
    async checkRefs(manager, input, id) {
      if (input.parent_id === undefined || input.parent_id === null) return;
      if (input.parent_id === id) throw invalid('body.parent_id', 'a category cannot be its own parent');
      if (!(await manager.existsBy(Category, { id: input.parent_id }))) {
        throw invalid('body.parent_id', `category ${input.parent_id} does not exist`);
      }
    },
    async checkDelete(manager, id) {
      const products = await manager.countBy(Product, { category_id: id });
      const children = await manager.countBy(Category, { parent_id: id });
      if (products + children > 0) {
        throw new SynclineError(
          'API_CONFLICT',
          `category ${id} is still used by ${products} product(s) and ${children} subcategory(ies)`,
          { details: { products, children } },
        );
      }
    },
  } satisfies ResourceDef<Category>,
  users: {
    table: 'users',
    entity: User,
    concurrency: 'version',
    filters: ['is_active'],
  } satisfies ResourceDef<User>,
} as const;

function invalid(field: string, message: string): SynclineError {
  return new SynclineError('API_VALIDATION', `${field}: ${message}`, { details: { field } });
}

export interface Page<E> {
  items: E[];
  page: number;
  size: number;
  total: number;
}

/** What a write returns: the stored row and where the index stands. */
export interface WriteResult<E> {
  row: E;
  index: IndexState | undefined;
  /** The external version the document is written with, when the write path knows it. */
  version?: bigint | undefined;
}

/**
 * CRUD through TypeORM with optimistic concurrency. Each write is one transaction: the row is written,
 * re-read, handed to the table's WritePath (inside the transaction), committed; the write path's
 * after-commit work runs before the response.
 */
export class CatalogStore {
  constructor(
    private readonly ds: DataSource,
    private readonly writePaths: WritePaths,
  ) {}

  async list<E extends ObjectLiteral>(
    def: ResourceDef<E>,
    page: number,
    size: number,
    filters: Record<string, unknown>,
  ): Promise<Page<E>> {
    const where: Record<string, unknown> = {};
    for (const f of def.filters) if (filters[f] !== undefined) where[f] = filters[f];
    const [items, total] = await this.ds.getRepository(def.entity).findAndCount({
      where: where as never,
      order: { id: 'ASC' } as never,
      skip: (page - 1) * size,
      take: size,
    });
    return { items, page, size, total };
  }

  async get<E extends ObjectLiteral>(def: ResourceDef<E>, id: number): Promise<E> {
    const row = await this.ds.getRepository(def.entity).findOneBy({ id } as never);
    if (!row) throw notFound(def.table, id);
    return row;
  }

  async create<E extends ObjectLiteral>(def: ResourceDef<E>, input: Partial<E>, requestId: string) {
    return this.write(def, requestId, async (manager) => {
      await def.checkRefs?.(manager, input);
      const result = await manager.insert(def.entity, input as never);
      const id = Number(result.identifiers[0]?.id);
      return { kind: 'upsert', row: await this.reread(manager, def, id) };
    });
  }

  /**
   * Applies `input` when the row still has the version (or updated_at) the client read; otherwise 409
   * with the current one. One conditional UPDATE, so two racing writers cannot both win.
   */
  async update<E extends ObjectLiteral>(
    def: ResourceDef<E>,
    id: number,
    input: Partial<E>,
    expected: number | string,
    requestId: string,
  ) {
    return this.write(def, requestId, async (manager) => {
      await def.checkRefs?.(manager, input, id);
      const qb = manager.createQueryBuilder().update(def.entity).where('id = :id', { id });
      const set: Record<string, unknown> = { ...input };
      if (def.concurrency === 'version') {
        set.version = () => 'version + 1';
        qb.andWhere('version = :expected', { expected });
      } else {
        // strictly increasing even for two updates in the same microsecond or with unchanged values
        set.updated_at = () => 'GREATEST(CURRENT_TIMESTAMP(6), updated_at + INTERVAL 1 MICROSECOND)';
        qb.andWhere('updated_at = :expected', { expected: toSqlDateTime(String(expected)) });
      }
      const res = await qb.set(set as never).execute();
      if (!res.affected) await this.staleOrMissing(manager, def, id);
      return { kind: 'upsert', row: await this.reread(manager, def, id) };
    });
  }

  async remove<E extends ObjectLiteral>(
    def: ResourceDef<E>,
    id: number,
    expected: number | string | undefined,
    requestId: string,
  ) {
    return this.write(def, requestId, async (manager) => {
      const row = await manager.findOne(def.entity, {
        where: { id } as never,
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) throw notFound(def.table, id);
      if (expected !== undefined) this.checkExpected(def, row, expected);
      await def.checkDelete?.(manager, id);
      await manager.delete(def.entity, { id } as never);
      return { kind: 'delete', row };
    });
  }

  private async write<E extends ObjectLiteral>(
    def: ResourceDef<E>,
    requestId: string,
    body: (m: EntityManager) => Promise<{ kind: 'upsert' | 'delete'; row: E }>,
  ): Promise<WriteResult<E>> {
    const after: AfterCommit[] = [];
    let row: E;
    try {
      row = await this.ds.transaction(async (manager) => {
        const out = await body(manager);
        const ctx: WriteContext = { manager, requestId, afterCommit: (fn) => after.push(fn) };
        await this.writePaths[def.table].afterWrite(def.table, out.kind, out.row, ctx);
        return out.row;
      });
    } catch (e) {
      throw translateDbError(e, def.table);
    }
    let index: IndexState | undefined;
    let version: bigint | undefined;
    for (const fn of after) {
      const r = await fn();
      if (typeof r === 'string') index = r;
      else if (r) {
        index = r.state;
        version = r.version ?? version;
      }
    }
    return { row, index, version };
  }

  private async reread<E extends ObjectLiteral>(manager: EntityManager, def: ResourceDef<E>, id: number) {
    const row = await manager.findOneBy(def.entity, { id } as never);
    if (!row) throw notFound(def.table, id);
    return row;
  }

  private async staleOrMissing<E extends ObjectLiteral>(
    manager: EntityManager,
    def: ResourceDef<E>,
    id: number,
  ) {
    const row = await manager.findOneBy(def.entity, { id } as never);
    if (!row) throw notFound(def.table, id);
    throw stale(def, row);
  }

  private checkExpected<E extends ObjectLiteral>(def: ResourceDef<E>, row: E, expected: number | string) {
    const current = def.concurrency === 'version' ? row.version : row.updated_at;
    if (String(current) !== String(expected)) throw stale(def, row);
  }
}

function stale<E extends ObjectLiteral>(def: ResourceDef<E>, row: E): SynclineError {
  const field = def.concurrency === 'version' ? 'version' : 'updated_at';
  return new SynclineError(
    'API_CONFLICT',
    `${def.table} ${row.id} was changed by someone else: current ${field} is ${row[field]}`,
    { details: { field, current: row[field] } },
  );
}

function notFound(table: string, id: number): SynclineError {
  return new SynclineError('API_NOT_FOUND', `${table} ${id} not found`, { details: { id } });
}

/** '2024-01-02T03:04:05.123456Z' → '2024-01-02 03:04:05.123456' (the UTC session's format). */
function toSqlDateTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/** Driver errors a client can act on become API errors; the rest stay as they are (500 / 503). */
export function translateDbError(e: unknown, table: string): unknown {
  if (!(e instanceof QueryFailedError)) return e;
  const driver = (e as QueryFailedError & { driverError?: { code?: string; sqlMessage?: string } })
    .driverError;
  switch (driver?.code) {
    case 'ER_DUP_ENTRY': {
      const key = /for key '(?:[^'.]+\.)?([^']+)'/.exec(driver.sqlMessage ?? '')?.[1];
      return new SynclineError(
        'API_CONFLICT',
        `${table}: a row with this ${key ?? 'unique key'} already exists`,
        {
          details: { field: key },
        },
      );
    }
    case 'ER_DATA_TOO_LONG':
    case 'ER_TRUNCATED_WRONG_VALUE':
    case 'ER_WARN_DATA_OUT_OF_RANGE':
    case 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD':
      return new SynclineError('API_VALIDATION', `${table}: ${driver.sqlMessage}`);
    case 'ER_LOCK_DEADLOCK':
    case 'ER_LOCK_WAIT_TIMEOUT':
    case 'ER_STATEMENT_TIMEOUT':
    case 'ER_QUERY_TIMEOUT':
      return new SynclineError('API_UNAVAILABLE', `${table}: the database is busy (${driver.code}); retry`, {
        cause: e,
      });
    default:
      return e;
  }
}
