import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

export async function adminRoutes(app: FastifyInstance, opts: { readiness: ReadinessSource }): Promise<void> {
  app.get(
    `${ADMIN_PREFIX}/pipelines`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Pipelines and their state',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object({
            pipelines: Type.Array(
              Type.Object({ name: Type.String(), state: Type.String() }, { additionalProperties: true }),
            ),
          }),
          401: S.ErrorResponse,
        },
      },
    },
    async () => ({ pipelines: opts.readiness.pipelines() }),
  );
}
