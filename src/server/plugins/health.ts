import type { FastifyInstance } from 'fastify';
import type { Clients } from '../../runtime/clients.js';

export interface ReadinessSource {
  /** Pipelines and their state; ready only when none has failed. */
  pipelines(): Array<{ name: string; state: string }>;
}

interface Check {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

async function timed(fn: () => Promise<string | undefined>): Promise<Check> {
  const t0 = performance.now();
  try {
    const detail = await fn();
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - t0),
      ...(detail !== undefined && { detail }),
    };
  } catch (e) {
    return { ok: false, latencyMs: Math.round(performance.now() - t0), detail: (e as Error).message };
  }
}

/** /healthz: the process is alive. /readyz: MariaDB and the search engine answer and no pipeline has failed. */
export async function healthPlugin(
  app: FastifyInstance,
  opts: { clients: Clients; readiness: ReadinessSource },
) {
  const { clients, readiness } = opts;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const [mysql, search] = await Promise.all([
      timed(async () => {
        const [rows] = await clients.db.query('SELECT VERSION() AS v');
        return String((rows as Array<{ v: string }>)[0]?.v);
      }),
      timed(async () => {
        const res = await clients.search.request({
          path: '/_cluster/health',
          method: 'GET',
          headersTimeout: 3000,
        });
        const body = (await res.body.json()) as { status?: string };
        if (res.statusCode !== 200 || body.status === 'red') throw new Error(`cluster health ${body.status}`);
        return body.status;
      }),
    ]);
    const pipelines = readiness.pipelines();
    const failed = pipelines.filter((p) => p.state === 'failed');
    const ready = mysql.ok && search.ok && failed.length === 0;
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not-ready', checks: { mysql, search }, pipelines };
  });
}
