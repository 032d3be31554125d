import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SynclineError } from '../../core/errors.js';
import { eventToJson } from '../../core/event-json.js';
import type { DeadLetterKind } from '../../core/interfaces.js';
import type { OpsContext } from '../../ops/context.js';
import {
  DEAD_LETTER_KINDS,
  deadLetterCounts,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
} from '../../ops/dead-letters.js';
import type { JobRegistry } from '../../ops/jobs.js';
import { driftByIndex } from '../../ops/reconcile/drift.js';
import { reconcile, resolveTargets } from '../../ops/reconcile/reconcile.js';
import { reindex, reindexStatus } from '../../ops/reindex/reindex.js';
import * as S from '../schemas.js';
import { ADMIN_PREFIX } from './admin.js';

/**
 * Admin routes of the operations (reconcile, reindex, dead letters), under /api/admin (bearer token,
 * see admin.ts). Long operations answer 202 with a job to poll at /api/admin/jobs/:id.
 */
export interface OpsRoutesOptions {
  readonly ops: OpsContext;
  readonly jobs: JobRegistry;
}

const closed = { additionalProperties: false } as const;
const security = [{ bearerAuth: [] }];
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f]+$' });
const Kind = Type.Union(DEAD_LETTER_KINDS.map((k) => Type.Literal(k)));
const Selection = {
  index: Type.Optional(Name),
  kind: Type.Optional(Kind),
  pipeline: Type.Optional(Name),
  ids: Type.Optional(Type.Array(S.Id, { minItems: 1, maxItems: 10_000 })),
};
const Job = Type.Object(
  {},
  { additionalProperties: true, description: 'A job: id, kind, state, progress, result, error.' },
);
const Any = Type.Object({}, { additionalProperties: true });
const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 404: S.ErrorResponse, 409: S.ErrorResponse };

export async function opsRoutes(app: FastifyInstance, o: OpsRoutesOptions): Promise<void> {
  const { ops, jobs } = o;

  app.post<{ Body: { target?: string; repair?: boolean; chunkSize?: number } }>(
    `${ADMIN_PREFIX}/reconcile`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Start a reconcile (a pipeline, database.table or index; default all); answers with a job',
        security,
        body: Type.Optional(
          Type.Object(
            {
              target: Type.Optional(Name),
              repair: Type.Optional(Type.Boolean()),
              chunkSize: Type.Optional(Type.Integer({ minimum: 10, maximum: 10_000 })),
            },
            closed,
          ),
        ),
        response: { 202: Job, ...errors },
      },
      // a POST without a body (curl -X POST) means all defaults
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      // fail fast on an unknown target (400) instead of a failed job
      if (b.target) {
        try {
          resolveTargets(ops.config, await ops.loadMappings(), b.target);
        } catch (e) {
          if (e instanceof SynclineError) throw new SynclineError('API_VALIDATION', e.message);
          throw e;
        }
      }
      const job = jobs.start('reconcile', b.target, (signal, onProgress) =>
        reconcile(
          ops,
          {
            ...(b.target && { target: b.target }),
            repair: b.repair ?? false,
            ...(b.chunkSize && { chunkSize: b.chunkSize }),
            signal,
          },
          onProgress,
        ),
      );
      return reply.code(202).send(job);
    },
  );

  app.get(
    `${ADMIN_PREFIX}/drift`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Latest reconcile findings per index (the drift gauge)',
        security,
        response: { 200: Type.Object({ indexes: Type.Array(Any) }), 401: S.ErrorResponse },
      },
    },
    async () => ({ indexes: driftByIndex() }),
  );

  app.post<{
    Params: { index: string };
    Body: { rollback?: boolean; restart?: boolean; acceptDeadLetters?: boolean };
  }>(
    `${ADMIN_PREFIX}/reindex/:index`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Start a zero-downtime reindex (or a rollback) of an index; answers with a job',
        security,
        params: Type.Object({ index: Name }, closed),
        body: Type.Optional(
          Type.Object(
            {
              rollback: Type.Optional(Type.Boolean()),
              restart: Type.Optional(Type.Boolean()),
              acceptDeadLetters: Type.Optional(Type.Boolean()),
            },
            closed,
          ),
        ),
        response: { 202: Job, ...errors },
      },
      // a POST without a body (curl -X POST) means all defaults
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const index = req.params.index;
      if (!ops.config.mappings.some((m) => m.index === index))
        throw new SynclineError('API_NOT_FOUND', `no mapping writes to index ${index}`);
      if (jobs.running('reindex', index))
        throw new SynclineError('API_CONFLICT', `a reindex of ${index} is already running`);
      const b = req.body ?? {};
      const job = jobs.start('reindex', index, (signal, onProgress) =>
        reindex(
          ops,
          {
            index,
            rollback: b.rollback ?? false,
            restart: b.restart ?? false,
            acceptDeadLetters: b.acceptDeadLetters ?? false,
            signal,
          },
          onProgress,
        ),
      );
      return reply.code(202).send(job);
    },
  );

  app.get<{ Params: { index: string } }>(
    `${ADMIN_PREFIX}/reindex/:index`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Where an index alias points, its versions and the last reindex runs',
        security,
        params: Type.Object({ index: Name }, closed),
        response: { 200: Any, ...errors },
      },
    },
    async (req) => {
      if (!ops.config.mappings.some((m) => m.index === req.params.index))
        throw new SynclineError('API_NOT_FOUND', `no mapping writes to index ${req.params.index}`);
      return reindexStatus(ops, req.params.index);
    },
  );

  app.get(
    `${ADMIN_PREFIX}/jobs`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Operations started over HTTP, newest first',
        security,
        response: { 200: Type.Object({ jobs: Type.Array(Job) }), 401: S.ErrorResponse },
      },
    },
    async () => ({ jobs: jobs.list() }),
  );

  app.get<{ Params: { id: string } }>(
    `${ADMIN_PREFIX}/jobs/:id`,
    {
      schema: {
        tags: ['admin'],
        summary: 'One job: state, progress, result or error',
        security,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, closed),
        response: { 200: Job, ...errors },
      },
    },
    async (req) => {
      const job = jobs.get(req.params.id);
      if (!job) throw new SynclineError('API_NOT_FOUND', `no job ${req.params.id}`);
      return job;
    },
  );

  app.get<{
    Querystring: {
      index?: string;
      kind?: DeadLetterKind;
      pipeline?: string;
      limit?: number;
      afterId?: number;
    };
  }>(
    `${ADMIN_PREFIX}/dead-letters`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Dead letters, oldest first (page with afterId)',
        security,
        querystring: Type.Object(
          {
            index: Type.Optional(Name),
            kind: Type.Optional(Kind),
            pipeline: Type.Optional(Name),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            afterId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          },
          closed,
        ),
        response: { 200: Type.Object({ deadLetters: Type.Array(Any) }), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      return {
        deadLetters: await listDeadLetters(ops, {
          ...(q.index && { index: q.index }),
          ...(q.kind && { kind: q.kind }),
          ...(q.pipeline && { pipeline: q.pipeline }),
          ...(q.afterId !== undefined && { afterId: q.afterId }),
          limit: q.limit ?? 100,
        }),
      };
    },
  );

  app.get(
    `${ADMIN_PREFIX}/dead-letters/counts`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Dead letters by index and kind',
        security,
        response: { 200: Any, 401: S.ErrorResponse },
      },
    },
    async () => deadLetterCounts(ops),
  );

  app.get<{ Params: { id: number } }>(
    `${ADMIN_PREFIX}/dead-letters/:id`,
    {
      schema: {
        tags: ['admin'],
        summary: 'One dead letter with its event',
        security,
        params: S.IdParams,
        response: { 200: Any, ...errors },
      },
    },
    async (req) => {
      try {
        const e = await showDeadLetter(ops, req.params.id);
        return { ...e, event: JSON.parse(eventToJson(e.event)) };
      } catch (err) {
        if (err instanceof SynclineError && err.kind === 'DEAD_LETTER_NOT_FOUND')
          throw new SynclineError('API_NOT_FOUND', err.message);
        throw err;
      }
    },
  );

  app.post<{
    Body: {
      index?: string;
      kind?: DeadLetterKind;
      pipeline?: string;
      ids?: number[];
      includeTruncate?: boolean;
    };
  }>(
    `${ADMIN_PREFIX}/dead-letters/replay`,
    {
      schema: {
        tags: ['admin'],
        summary:
          'Replay dead letters through the current mapping (landed or stale: removed; failed: kept, attempts + 1)',
        security,
        body: Type.Object({ ...Selection, includeTruncate: Type.Optional(Type.Boolean()) }, closed),
        response: { 200: Any, ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      return replayDeadLetters(ops, {
        ...(b.index && { index: b.index }),
        ...(b.kind && { kind: b.kind }),
        ...(b.pipeline && { pipeline: b.pipeline }),
        ...(b.ids && { ids: b.ids }),
        includeTruncate: b.includeTruncate ?? false,
      });
    },
  );

  app.post<{
    Body: { index?: string; kind?: DeadLetterKind; pipeline?: string; ids?: number[]; all?: boolean };
  }>(
    `${ADMIN_PREFIX}/dead-letters/purge`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete dead letters (a selection, or all: true)',
        security,
        body: Type.Object({ ...Selection, all: Type.Optional(Type.Boolean()) }, closed),
        response: { 200: Type.Object({ removed: Type.Integer() }), ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      const selective = b.index || b.kind || b.pipeline || b.ids;
      if (!selective && !b.all)
        throw new SynclineError(
          'API_VALIDATION',
          'purge needs a selection (index, kind, pipeline, ids) or all: true',
        );
      return purgeDeadLetters(ops, {
        ...(b.index && { index: b.index }),
        ...(b.kind && { kind: b.kind }),
        ...(b.pipeline && { pipeline: b.pipeline }),
        ...(b.ids && { ids: b.ids }),
        all: b.all ?? false,
      });
    },
  );
}
