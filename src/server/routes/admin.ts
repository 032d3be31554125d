import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminBackend } from '../../admin/admin-backend.js';
import { SynclineError } from '../../core/errors.js';
import type { ReadinessSource } from '../plugins/health.js';
import * as S from '../schemas.js';

export const ADMIN_PREFIX = '/api/admin';

/** Constant-time comparison of "Bearer <token>" with the configured token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Everything under /api/admin needs the bearer token, unknown admin paths included (checked before
 * routing answers 404, so the admin surface cannot be probed without it).
 */
export function installAdminAuth(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const raw = req.url.split('?')[0] ?? '';
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {}
    const paths = [raw, decoded, req.routeOptions.url ?? ''];
    if (!paths.some((p) => p === ADMIN_PREFIX || p.startsWith(`${ADMIN_PREFIX}/`))) return;
    if (!bearerMatches(req.headers.authorization, token)) {
      throw new SynclineError(
        'API_UNAUTHORIZED',
        'admin routes need Authorization: Bearer <server.adminToken>',
      );
    }
  });
}

const HaStatusSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('active'), Type.Literal('standby')]),
    worker: Type.String(),
    leader: Type.Optional(Type.Object({ holder: Type.String(), token: Type.Number(), since: Type.String() })),
  },
  { additionalProperties: true, description: "This worker's role and the leader (docs/ha.md)" },
);
const PipelineList = Type.Object({
  pipelines: Type.Array(
    Type.Object({ name: Type.String(), state: Type.String() }, { additionalProperties: true }),
  ),
  ha: Type.Optional(HaStatusSchema),
});
const PipelineStatusSchema = Type.Object(
  { name: Type.String(), state: Type.String() },
  { additionalProperties: true, description: 'docs/operations.md#admin-api lists every field' },
);
const NameParams = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const Key = Type.Array(Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]), {
  minItems: 1,
  maxItems: 16,
});
const ResnapshotBody = Type.Object(
  {
    table: Type.String({
      minLength: 3,
      maxLength: 200,
      description: 'database.table, captured by the pipeline',
    }),
    fromKey: Type.Optional({
      ...Key,
      description: 're-read keys after this one (exclusive), in key-column order',
    }),
    untilKey: Type.Optional({ ...Key, description: 're-read keys up to this one (inclusive)' }),
  },
  { additionalProperties: false },
);
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { ...S.ErrorResponse, description: `SYNC_S3xxx error (${c})` }]));

/**
 * /api/admin/pipelines: state, position, lag, throughput, last error and snapshot progress of each
 * pipeline of this process; pause, resume and re-snapshot. Without a backend (an API-only process) the
 * list comes from the readiness registry and the actions answer 404.
 */
export async function adminRoutes(
  app: FastifyInstance,
  opts: { readiness: ReadinessSource; backend?: AdminBackend },
): Promise<void> {
  const backend = (): AdminBackend => {
    if (!opts.backend)
      throw new SynclineError('API_NOT_FOUND', 'no pipelines run in this process (it serves the API only)');
    return opts.backend;
  };
  const security = [{ bearerAuth: [] }];
  app.get(
    `${ADMIN_PREFIX}/pipelines`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Pipelines: state, position, lag, throughput, last error, snapshot progress',
        security,
        response: { 200: PipelineList, 401: S.ErrorResponse },
      },
    },
    async () => {
      const ha = opts.readiness.ha?.();
      return {
        pipelines: opts.backend ? opts.backend.pipelines() : opts.readiness.pipelines(),
        ...(ha && { ha }),
      };
    },
  );
  app.get<{ Params: { name: string } }>(
    `${ADMIN_PREFIX}/pipelines/:name`,
    {
      schema: {
        tags: ['admin'],
        summary: 'One pipeline',
        security,
        params: NameParams,
        response: { 200: PipelineStatusSchema, ...errors(401, 404) },
      },
    },
    async (req) => backend().pipeline(req.params.name),
  );
  app.get(
    `${ADMIN_PREFIX}/ha`,
    {
      schema: {
        tags: ['admin'],
        summary: "High availability: this worker's role (active / standby), the leader, failovers",
        security,
        response: { 200: HaStatusSchema, ...errors(401, 404) },
      },
    },
    async () => {
      const ha = opts.readiness.ha?.();
      if (!ha) throw new SynclineError('API_NOT_FOUND', 'ha.enabled is false: this worker runs alone');
      return ha;
    },
  );
  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(
      `${ADMIN_PREFIX}/pipelines/:name/${action}`,
      {
        schema: {
          tags: ['admin'],
          summary:
            action === 'pause'
              ? 'Stop handing batches to the sink (the source is held by backpressure); idempotent'
              : 'Continue a paused pipeline from where it stopped; idempotent',
          security,
          params: NameParams,
          response: { 200: PipelineStatusSchema, ...errors(401, 404, 409) },
        },
      },
      async (req) => backend()[action](req.params.name),
    );
  }
  app.post<{
    Params: { name: string };
    Body: { table: string; fromKey?: unknown[]; untilKey?: unknown[] };
  }>(
    `${ADMIN_PREFIX}/pipelines/:name/resnapshot`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Re-read a table (or a key range of it) while streaming goes on; answers once queued',
        security,
        params: NameParams,
        body: ResnapshotBody,
        response: {
          202: Type.Object({ pipeline: Type.String(), table: Type.String(), status: Type.Literal('queued') }),
          ...errors(400, 401, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const { table, fromKey, untilKey } = req.body;
      const range = { ...(fromKey && { fromKey }), ...(untilKey && { untilKey }) };
      const r = await backend().resnapshot(req.params.name, table, range);
      reply.code(202);
      return { ...r, status: 'queued' as const };
    },
  );
}
