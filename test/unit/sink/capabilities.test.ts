import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import {
  detectCapabilities,
  hasTokenFilter,
  identifyEngine,
  pitOpenPath,
} from '../../../src/sinks/search/capabilities.js';
import { SearchClient } from '../../../src/sinks/search/client.js';

/**
 * Capability detection against a small scripted HTTP server that answers the shapes measured on the real
 * engines (issue 12). The same detection runs against the real engines in
 * test/integration/stack/search-engines.test.ts.
 */
type Handler = (
  method: string,
  url: string,
  body: string,
) => { status: number; json: unknown; headers?: Record<string, string> };

let server: Server | undefined;
let client: SearchClient | undefined;
const seen: string[] = [];
afterEach(async () => {
  await client?.close();
  await new Promise((r) => server?.close(r));
  seen.length = 0;
});

async function serve(handler: Handler): Promise<SearchClient> {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push(`${req.method} ${req.url}`);
    const r = handler(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify(r.json));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  client = new SearchClient({ url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}` });
  return client;
}

const ELASTIC = { 'x-elastic-product': 'Elasticsearch' };
const noHandler = (url: string) => ({
  status: 400,
  json: { error: `no handler found for uri [${url}] and method [POST]` },
});
const indexNotFound = {
  status: 404,
  json: { error: { type: 'index_not_found_exception', reason: 'no such index' } },
};

/** Elasticsearch from Maven Central: GET / 405, _pit, no analysis-common. */
const mavenElasticsearch: Handler = (_method, url, body) => {
  if (url === '/')
    return {
      status: 405,
      json: { error: 'Incorrect HTTP method for uri [/] and method [GET]' },
      headers: ELASTIC,
    };
  if (url.startsWith('/_nodes/_local'))
    return {
      status: 200,
      json: { nodes: { n1: { version: '9.5.3', build_flavor: 'default' } } },
      headers: ELASTIC,
    };
  if (url.includes('/_pit')) return { ...indexNotFound, headers: ELASTIC };
  if (url.includes('/_search/point_in_time')) return { ...noHandler(url), headers: ELASTIC };
  if (url === '/_analyze') {
    const filter = (JSON.parse(body) as { filter: string[] }).filter[0]!;
    return filter === 'lowercase'
      ? { status: 200, json: { tokens: [] }, headers: ELASTIC }
      : {
          status: 400,
          json: {
            error: {
              type: 'illegal_argument_exception',
              reason: `failed to find global filter under [${filter}]`,
            },
          },
          headers: ELASTIC,
        };
  }
  return { status: 200, json: { hits: { hits: [] } }, headers: ELASTIC };
};

describe('engine capabilities', () => {
  it('identifies Elasticsearch from _nodes/_local and its product header when GET / answers 405', async () => {
    const c = await serve(mavenElasticsearch);
    expect(await identifyEngine(c)).toEqual({
      ok: true,
      info: { engine: 'elasticsearch', version: '9.5.3', major: 9 },
    });
    expect(await c.info()).toEqual({ engine: 'elasticsearch', version: '9.5.3', major: 9 });
  });

  it('identifies OpenSearch from GET / (version.distribution) without asking _nodes', async () => {
    const c = await serve((_m, url) =>
      url === '/'
        ? { status: 200, json: { version: { distribution: 'opensearch', number: '3.9.0' } } }
        : { status: 500, json: {} },
    );
    expect(await c.info()).toEqual({ engine: 'opensearch', version: '3.9.0', major: 3 });
    expect(seen).toEqual(['GET /']);
  });

  it('reports the failing request when neither GET / nor _nodes answers, and auth failures as such', async () => {
    const c = await serve(() => ({ status: 503, json: {} }));
    const err = await c.info().catch((e: unknown) => e);
    expect(isSynclineError(err, 'SINK_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toMatch(/GET \/ on http:\/\/127\.0\.0\.1:\d+ answered 503/);
    await client!.close();
    await new Promise((r) => server?.close(r));
    const c2 = await serve((_m, url) =>
      url === '/' ? { status: 405, json: {} } : { status: 403, json: {} },
    );
    expect(isSynclineError(await c2.info().catch((e: unknown) => e), 'SINK_AUTH_FAILED')).toBe(true);
  });

  it('probes the PIT route, _shard_doc and token filters, and caches each answer per client', async () => {
    const c = await serve(mavenElasticsearch);
    const caps = await detectCapabilities(c);
    expect(caps).toMatchObject({ pit: 'elasticsearch', shardDocSort: 'always' });
    expect(pitOpenPath(caps, 'a b', '1m')).toBe('/a%20b/_pit?keep_alive=1m');
    expect(await hasTokenFilter(c, 'cjk_bigram')).toBe(false);
    expect(await hasTokenFilter(c, 'lowercase')).toBe(true);
    const before = seen.length;
    await detectCapabilities(c);
    expect(await hasTokenFilter(c, 'cjk_bigram')).toBe(false);
    expect(seen.length).toBe(before);
  });

  it('OpenSearch: the point_in_time route, _shard_doc only with PIT where a plain search refuses it', async () => {
    const c = await serve((_m, url) => {
      if (url === '/')
        return { status: 200, json: { version: { distribution: 'opensearch', number: '3.9.0' } } };
      if (url.includes('/_search/point_in_time')) return indexNotFound;
      if (url.includes('/_pit')) return noHandler(url);
      return {
        status: 400,
        json: {
          error: {
            type: 'action_request_validation_exception',
            reason: 'Validation Failed: 1: _shard_doc is only supported with point-in-time (PIT).',
          },
        },
      };
    });
    const caps = await detectCapabilities(c);
    expect(caps).toMatchObject({ pit: 'opensearch', shardDocSort: 'with-pit' });
    expect(pitOpenPath(caps, 'i', '30s')).toBe('/i/_search/point_in_time?keep_alive=30s');
  });

  it('an _analyze answer that is neither success nor "failed to find" is an error, not a missing filter', async () => {
    const c = await serve(() => ({ status: 429, json: { error: 'too many requests' } }));
    await expect(hasTokenFilter(c, 'cjk_bigram')).rejects.toThrow(/HTTP 429/);
  });
});
