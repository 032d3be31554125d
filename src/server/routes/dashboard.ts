import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminBackend } from '../../admin/admin-backend.js';
import { SynclineError } from '../../core/errors.js';
import type { DeadLetterKind } from '../../core/interfaces.js';
import { driftReports } from '../../metrics/drift.js';
import * as S from '../schemas.js';
import { ADMIN_PREFIX } from './admin.js';

/** The dashboard's own backend routes (behind the admin token like everything under /api/admin). */
export const DASHBOARD_PREFIX = `${ADMIN_PREFIX}/dashboard`;

const KINDS = ['mapping', 'rejected', 'retries-exhausted', 'conversion', 'invalid-event'] as const;
const Ids = Type.Object(
  {
    ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  { additionalProperties: false },
);
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { ...S.ErrorResponse, description: `SYNC_S3xxx error (${c})` }]));
const loose = (props: Parameters<typeof Type.Object>[0]) =>
  Type.Object(props, { additionalProperties: true });

/**
 * Dead letters (list, replay, purge) and the last reconcile findings, for the dashboard. Replay goes
 * through src/admin/dead-letters.ts: the current mapping and the pipeline's own versioned sink.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { backend?: AdminBackend }): Promise<void> {
  const dlq = () => {
    if (!opts.backend)
      throw new SynclineError('API_NOT_FOUND', 'no pipelines run in this process (it serves the API only)');
    return opts.backend.deadLetters;
  };
  const security = [{ bearerAuth: [] }];
  app.get<{ Querystring: { pipeline?: string; index?: string; kind?: DeadLetterKind; limit?: number } }>(
    `${DASHBOARD_PREFIX}/dead-letters`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Dead letters (oldest first) and their counts per index and kind',
        security,
        querystring: Type.Object(
          {
            pipeline: Type.Optional(Type.String({ maxLength: 128 })),
            index: Type.Optional(Type.String({ maxLength: 255 })),
            kind: Type.Optional(Type.Union(KINDS.map((k) => Type.Literal(k)))),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(loose({ id: Type.Integer() })),
            counts: Type.Array(
              Type.Object({ index: Type.String(), kind: Type.String(), count: Type.Integer() }),
            ),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => {
      const { pipeline, index, kind, limit } = req.query;
      const [items, counts] = await Promise.all([
        dlq().list({
          ...(pipeline && { pipeline }),
          ...(index && { index }),
          ...(kind && { kind }),
          limit: limit ?? 100,
        }),
        dlq().counts(),
      ]);
      return { items, counts };
    },
  );
  app.post<{ Body: { ids: number[] } }>(
    `${DASHBOARD_PREFIX}/dead-letters/replay`,
    {
      schema: {
        tags: ['admin'],
        summary:
          'Replay dead letters through the current mapping and versioned sink; applied ones are removed',
        security,
        body: Ids,
        response: {
          200: Type.Object({
            replayed: Type.Array(Type.Integer()),
            failed: Type.Array(Type.Object({ id: Type.Integer(), error: Type.String() })),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => dlq().replay(req.body.ids),
  );
  app.post<{ Body: { ids: number[] } }>(
    `${DASHBOARD_PREFIX}/dead-letters/purge`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete dead letters without replaying them',
        security,
        body: Ids,
        response: { 200: Type.Object({ purged: Type.Integer() }), ...errors(400, 401, 404) },
      },
    },
    async (req) => ({ purged: await dlq().purge(req.body.ids) }),
  );
  app.get(
    `${DASHBOARD_PREFIX}/reconcile`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Drift per index as the last reconcile in this process found it',
        security,
        response: {
          200: Type.Object({
            indexes: Type.Array(
              loose({
                index: Type.String(),
                missing: Type.Integer(),
                extra: Type.Integer(),
                stale: Type.Integer(),
                atMs: Type.Number(),
              }),
            ),
          }),
          401: S.ErrorResponse,
        },
      },
    },
    async () => ({ indexes: driftReports() }),
  );
}
