import type { FastifyInstance } from 'fastify';

export interface PipelineState {
  name: string;
  state: string;
  [k: string]: unknown;
}

export interface ReadinessSource {
  /** Pipelines and their state; ready only when none has failed. */
  pipelines(): PipelineState[];
  /** With ha.enabled: this worker's role (active / standby) and the leader's identity (docs/ha.md). */
  ha?(): { role: string; worker: string };
}

/** What /readyz probes: each resolves to a short detail (a version, a cluster status) or throws. */
export interface ReadinessProbes {
  mysql(): Promise<string | undefined>;
  search(): Promise<string | undefined>;
}

interface Check {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

async function timed(fn: () => Promise<string | undefined>, timeoutMs: number): Promise<Check> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - t0),
      ...(detail !== undefined && { detail }),
    };
  } catch (e) {
    return { ok: false, latencyMs: Math.round(performance.now() - t0), detail: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz: the process is alive. /readyz: MariaDB and the search engine answer and no pipeline has failed. */
export async function healthPlugin(
  app: FastifyInstance,
  opts: { probes: ReadinessProbes; readiness: ReadinessSource; timeoutMs?: number },
) {
  const { probes, readiness } = opts;
  const timeoutMs = opts.timeoutMs ?? 3000;
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'MariaDB and the search engine answer; no pipeline failed' } },
    async (_req, reply) => {
      const [mysql, search] = await Promise.all([
        timed(probes.mysql, timeoutMs),
        timed(probes.search, timeoutMs),
      ]);
      const pipelines = readiness.pipelines();
      const failed = pipelines.filter((p) => p.state === 'failed');
      const ready = mysql.ok && search.ok && failed.length === 0;
      reply.code(ready ? 200 : 503);
      const ha = readiness.ha?.();
      const reason = failed.map((p) => `pipeline ${p.name} failed: ${String(p.error ?? 'see the log')}`);
      return {
        status: ready ? 'ready' : 'not-ready',
        ...(reason.length > 0 && { reason: reason.join('; ') }),
        checks: { mysql, search },
        pipelines,
        ...(ha && { ha }),
      };
    },
  );
}
