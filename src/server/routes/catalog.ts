import { type TObject, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, RouteShorthandOptions } from 'fastify';
import type { CatalogStore, ResourceDef, WriteResult } from '../../catalog/catalog-store.js';
import { RESOURCES } from '../../catalog/catalog-store.js';
import type { CatalogTable, WritePaths } from '../../catalog/write-path.js';
import type { ApiConfig } from '../../config/schema.js';
import * as S from '../schemas.js';

interface ResourceSchemas {
  entity: TObject;
  create: TObject;
  put: TObject;
  patch: TObject;
  filters: Record<string, S.AnySchema>;
  /** The field of the body (and delete query) that carries the version the client read. */
  token: 'version' | 'updated_at';
}

const SCHEMAS: Record<CatalogTable, ResourceSchemas> = {
  products: {
    entity: S.Product,
    create: S.ProductCreate,
    put: S.ProductPut,
    patch: S.ProductPatch,
    filters: S.ListFilters.products,
    token: 'version',
  },
  categories: {
    entity: S.Category,
    create: S.CategoryCreate,
    put: S.CategoryPut,
    patch: S.CategoryPatch,
    filters: S.ListFilters.categories,
    token: 'updated_at',
  },
  users: {
    entity: S.User,
    create: S.UserCreate,
    put: S.UserPut,
    patch: S.UserPatch,
    filters: S.ListFilters.users,
    token: 'version',
  },
};

export interface CatalogRouteOptions {
  store: CatalogStore;
  api: ApiConfig;
  writePaths: WritePaths;
  /** Route options that rate-limit a write endpoint (empty when the limit is off). */
  writeLimit: RouteShorthandOptions;
}

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { ...S.ErrorResponse, description: `SYNC_S3xxx error (${c})` }]));

/** CRUD for products, categories and users: /api/<table>[/:id]. */
export async function catalogRoutes(app: FastifyInstance, opts: CatalogRouteOptions): Promise<void> {
  for (const table of ['products', 'categories', 'users'] as const) {
    const def = RESOURCES[table] as unknown as ResourceDef<Record<string, unknown>>;
    const sc = SCHEMAS[table];
    const tags = [table];
    const base = `/api/${table}`;

    const markWrite = (reply: FastifyReply, res: WriteResult<unknown>) => {
      reply.header('x-syncline-write-path', opts.writePaths[table].mode);
      if (res.index) reply.header('x-syncline-index', res.index);
      if (res.version !== undefined) reply.header('x-syncline-version', res.version.toString());
    };

    app.get<{ Querystring: { page?: number; size?: number } & Record<string, unknown> }>(
      base,
      {
        schema: {
          tags,
          summary: `List ${table} (paged, by id)`,
          querystring: Type.Object(
            { ...S.pageParams(opts.api.maxPageSize), ...sc.filters },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(sc.entity),
              page: Type.Integer(),
              size: Type.Integer(),
              total: Type.Integer(),
            }),
            ...errors(400, 503),
          },
        },
      },
      async (req) => {
        const { page = 1, size = opts.api.defaultPageSize, ...filters } = req.query;
        return opts.store.list(def, page, size, filters);
      },
    );

    app.get<{ Params: { id: number } }>(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Get one of ${table}`,
          params: S.IdParams,
          response: { 200: sc.entity, ...errors(400, 404, 503) },
        },
      },
      async (req) => opts.store.get(def, req.params.id),
    );

    app.post<{ Body: Record<string, unknown> }>(
      base,
      {
        ...opts.writeLimit,
        schema: {
          tags,
          summary: `Create one of ${table}`,
          body: sc.create,
          response: { 201: sc.entity, ...errors(400, 409, 413, 415, 429, 503) },
        },
      },
      async (req, reply) => {
        const res = await opts.store.create(def, req.body, req.id);
        markWrite(reply, res);
        reply.header('location', `${base}/${String(res.row.id)}`);
        return reply.code(201).send(res.row);
      },
    );

    for (const method of ['put', 'patch'] as const) {
      app[method]<{ Params: { id: number }; Body: Record<string, unknown> }>(
        `${base}/:id`,
        {
          ...opts.writeLimit,
          schema: {
            tags,
            summary:
              method === 'put'
                ? `Replace one of ${table} (send the ${sc.token} you read)`
                : `Change fields of one of ${table} (send the ${sc.token} you read)`,
            params: S.IdParams,
            body: method === 'put' ? sc.put : sc.patch,
            response: { 200: sc.entity, ...errors(400, 404, 409, 413, 415, 429, 503) },
          },
        },
        async (req, reply) => {
          const { [sc.token]: expected, ...input } = req.body;
          const res = await opts.store.update(def, req.params.id, input, expected as number | string, req.id);
          markWrite(reply, res);
          return res.row;
        },
      );
    }

    app.delete<{ Params: { id: number }; Querystring: { version?: number; updated_at?: string } }>(
      `${base}/:id`,
      {
        ...opts.writeLimit,
        schema: {
          tags,
          summary: `Delete one of ${table} (optionally only at the ${sc.token} you read)`,
          params: S.IdParams,
          querystring: Type.Object(
            sc.token === 'version'
              ? { version: S.DeleteQuery.version }
              : { updated_at: S.DeleteQuery.updated_at },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null({ description: 'Deleted.' }), ...errors(400, 404, 409, 429, 503) },
        },
      },
      async (req, reply) => {
        const res = await opts.store.remove(def, req.params.id, req.query[sc.token], req.id);
        markWrite(reply, res);
        return reply.code(204).send();
      },
    );
  }
}
