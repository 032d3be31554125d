import type { FastifyInstance } from 'fastify';
import type { SynclineMetrics } from '../../metrics/syncline-metrics.js';

/**
 * GET /metrics (Prometheus text format, no token: bind server.host to a private address or put the
 * scrape behind your proxy) and the API request histogram, observed for every route of the app.
 * Installed on the root instance so its hook sees every route.
 */
export function installMetrics(app: FastifyInstance, metrics: SynclineMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(
      req.routeOptions.url ?? 'unmatched',
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics (docs/metrics.md)' } },
    async (_req, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    },
  );
}
