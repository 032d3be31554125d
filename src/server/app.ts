import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clients } from '../runtime/clients.js';
import { healthPlugin, type ReadinessSource } from './plugins/health.js';

export interface AppDeps {
  clients: Clients;
  readiness: ReadinessSource;
  logger: Logger;
}

/** The HTTP service. Routes live in plugins; this file only wires them. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1 << 20,
  });
  await app.register(healthPlugin, { clients: deps.clients, readiness: deps.readiness });
  return app;
}
