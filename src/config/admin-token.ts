import { isIP } from 'node:net';
import { SynclineError } from '../core/errors.js';
import type { SynclineConfig } from './schema.js';

/** Published in the docs, so it protects nothing: good for the loopback demo only. */
export const DEFAULT_ADMIN_TOKEN = 'change-me-syncline-admin';

/** Whether a listen address only accepts connections from this host. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(h) === 6 && /^(0*:)*:?0*1$/.test(h);
}

/**
 * Refuses to serve beyond loopback while the admin token (or the ingest token, which falls back to it)
 * is the published default: anyone who read the docs could administer the server.
 */
export function assertTokensSafeToServe(config: Pick<SynclineConfig, 'server' | 'ingest'>): void {
  const { host, adminToken } = config.server;
  if (isLoopbackHost(host)) return;
  const key =
    adminToken === DEFAULT_ADMIN_TOKEN
      ? 'server.adminToken'
      : config.ingest.enabled && config.ingest.token === DEFAULT_ADMIN_TOKEN
        ? 'ingest.token'
        : undefined;
  if (key === undefined) return;
  const env = key === 'server.adminToken' ? 'SYNCLINE_ADMIN_TOKEN' : 'SYNCLINE_INGEST_TOKEN';
  throw new SynclineError(
    'CONFIG_INVALID',
    `${key}: still the published default token while server.host is ${host} (beyond loopback) — set ${key} (or ${env}) to a secret of your own, e.g. the output of \`openssl rand -hex 32\`, or serve on 127.0.0.1`,
    { details: { key, host } },
  );
}
