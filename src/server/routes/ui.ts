import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SynclineError } from '../../core/errors.js';

/** web/ at the package root: three levels up from src/server/routes and from dist/server/routes alike. */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

// Same-origin only: the page talks to this service and nothing else.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: Buffer;
  type: string;
}

/** Every file under root with a known type, by URL path ('app.js', 'views/search.js'). */
function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const type = TYPES[extname(name)];
        if (type) assets.set(relative(root, full).split(sep).join('/'), { body: readFileSync(full), type });
      }
    }
  };
  walk(root);
  return assets;
}

/**
 * The dashboard at /ui: the few static files of web/, read once at start and served from memory (no
 * build step, no static-file plugin). Only files that exist there are served; nothing else on disk is
 * reachable. The admin token is entered in the page (docs/dashboard.md).
 */
export async function uiRoutes(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? WEB_ROOT;
  let assets: Map<string, Asset>;
  try {
    assets = loadAssets(root);
  } catch (e) {
    app.log.warn({ root, err: (e as Error).message }, 'dashboard files not found; /ui is not served');
    assets = new Map();
  }
  const send = (path: string) => {
    const a = assets.get(path);
    if (!a)
      throw new SynclineError(
        'API_NOT_FOUND',
        assets.size === 0
          ? `the dashboard files (web/) are not installed at ${root}`
          : `no such file: /ui/${path}`,
      );
    return a;
  };
  const schema = { hide: true };
  app.get('/ui', { schema }, async (_req, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { '*': string } }>('/ui/*', { schema }, async (req, reply) => {
    const path = req.params['*'] === '' ? 'index.html' : req.params['*'];
    const a = send(path);
    reply
      .header('content-type', a.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CSP);
    return reply.send(a.body);
  });
}
