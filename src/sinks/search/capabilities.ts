import type { EngineInfo, SearchClient, SearchResponse } from './client.js';

/**
 * What the engine is and what it can do, found by asking for each capability rather than by comparing version
 * strings (docs/sink.md#engines). Nothing here needs `GET /`: an Elasticsearch node without the rest-root module
 * answers it 405, and a proxy may not forward it.
 *
 * - product: `GET /` when it answers (`version.distribution` is "opensearch" only on OpenSearch), otherwise
 *   `_nodes/_local` (every Elasticsearch answer carries `X-Elastic-Product: Elasticsearch`; its nodes report a
 *   `build_flavor`, OpenSearch's do not).
 * - point in time: the route that exists (`POST /<index>/_pit` on Elasticsearch, `POST
 *   /<index>/_search/point_in_time` on OpenSearch 2.4+), probed on an index name that does not exist: a 404
 *   index_not_found means the route is there, "no handler" means it is not. Nothing is opened.
 * - `_shard_doc` sort: always on Elasticsearch; on OpenSearch only where a search without PIT is refused with
 *   "only supported with point-in-time" (3.x); otherwise (2.x) not at all.
 * - analysis: `_analyze` with the token filter; 400 "failed to find … filter" means it is missing (the
 *   Elasticsearch jars on Maven Central have no analysis-common: no cjk_bigram, cjk_width, asciifolding).
 */
export interface EngineCapabilities {
  readonly info: EngineInfo;
  /** Where a point in time is opened, or undefined when the engine has none. */
  readonly pit: 'elasticsearch' | 'opensearch' | undefined;
  readonly shardDocSort: 'always' | 'with-pit' | 'never';
}

export type IdentifyResult =
  | { ok: true; info: Omit<EngineInfo, 'major'> & { major: number } }
  | { ok: false; status: number; via: string; reason?: string };

interface RootBody {
  version?: { number?: string; distribution?: string };
}
interface NodesBody {
  nodes?: Record<string, { version?: string; build_flavor?: string }>;
}

const PROBE_INDEX = 'syncline-capability-probe-does-not-exist';

function majorOf(version: string): number {
  return Number(version.split('.')[0]) || 0;
}

function header(res: SearchResponse, name: string): string | undefined {
  const v = res.headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Engine and version: `GET /` when it answers 200, else `_nodes/_local`. Transport errors propagate; an HTTP
 * failure of both (or a 401/403 of either) is returned for the caller to classify.
 */
export async function identifyEngine(client: SearchClient): Promise<IdentifyResult> {
  const root = await client.request<RootBody>('GET', '/');
  if (root.status === 401 || root.status === 403) return { ok: false, status: root.status, via: 'GET /' };
  const number = root.status === 200 ? root.body?.version?.number : undefined;
  if (typeof number === 'string') {
    const engine = root.body.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
    return { ok: true, info: { engine, version: number, major: majorOf(number) } };
  }
  const nodes = await client.request<NodesBody>(
    'GET',
    '/_nodes/_local?filter_path=nodes.*.version,nodes.*.build_flavor',
  );
  const node = nodes.status === 200 ? Object.values(nodes.body?.nodes ?? {})[0] : undefined;
  if (typeof node?.version !== 'string') {
    return nodes.status === 401 || nodes.status === 403 || root.status === 404 || root.status === 405
      ? { ok: false, status: nodes.status, via: 'GET /_nodes/_local' }
      : { ok: false, status: root.status, via: 'GET /' };
  }
  const elastic =
    header(nodes, 'x-elastic-product') === 'Elasticsearch' || typeof node.build_flavor === 'string';
  return {
    ok: true,
    info: {
      engine: elastic ? 'elasticsearch' : 'opensearch',
      version: node.version,
      major: majorOf(node.version),
    },
  };
}

function isMissingRoute(res: SearchResponse): boolean {
  if (res.status === 405) return true;
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
  return /no handler found|Incorrect HTTP method/i.test(text);
}

function errorType(body: unknown): string | undefined {
  const e = (body as { error?: { type?: string } } | undefined)?.error;
  return typeof e === 'object' && e !== null ? e.type : undefined;
}

async function routeExists(client: SearchClient, path: string): Promise<boolean> {
  const res = await client.request('POST', path);
  if (isMissingRoute(res)) return false;
  return res.status === 404 && errorType(res.body) === 'index_not_found_exception';
}

async function shardDocSort(
  client: SearchClient,
  info: EngineInfo,
): Promise<EngineCapabilities['shardDocSort']> {
  if (info.engine === 'elasticsearch') return 'always';
  const res = await client.request('POST', `/${PROBE_INDEX}*/_search`, { size: 0, sort: ['_shard_doc'] });
  const text = JSON.stringify(res.body ?? '');
  return res.status === 400 && /point-in-time|PIT/.test(text) ? 'with-pit' : 'never';
}

const capabilityCache = new WeakMap<SearchClient, Promise<EngineCapabilities>>();

/** The engine's capabilities (probed once per client; a failed probe is retried on the next call). */
export function detectCapabilities(client: SearchClient): Promise<EngineCapabilities> {
  let p = capabilityCache.get(client);
  if (!p) {
    p = (async () => {
      const info = await client.info();
      const [esPit, osPit, shardDoc] = await Promise.all([
        routeExists(client, `/${PROBE_INDEX}/_pit?keep_alive=1s`),
        routeExists(client, `/${PROBE_INDEX}/_search/point_in_time?keep_alive=1s`),
        shardDocSort(client, info),
      ]);
      const pit = esPit ? 'elasticsearch' : osPit ? 'opensearch' : undefined;
      return { info, pit, shardDocSort: shardDoc } satisfies EngineCapabilities;
    })();
    capabilityCache.set(client, p);
    p.catch(() => capabilityCache.delete(client));
  }
  return p;
}

/** The path that opens a point in time on `index` (keep_alive e.g. "1m"), per the engine's flavour. */
export function pitOpenPath(caps: EngineCapabilities, index: string, keepAlive: string): string | undefined {
  const i = encodeURIComponent(index);
  if (caps.pit === 'elasticsearch') return `/${i}/_pit?keep_alive=${encodeURIComponent(keepAlive)}`;
  if (caps.pit === 'opensearch')
    return `/${i}/_search/point_in_time?keep_alive=${encodeURIComponent(keepAlive)}`;
  return undefined;
}

const filterCache = new WeakMap<SearchClient, Map<string, Promise<boolean>>>();

/** Whether the engine has the named token filter (probed with `_analyze`, once per client and filter). */
export function hasTokenFilter(client: SearchClient, filter: string): Promise<boolean> {
  let byName = filterCache.get(client);
  if (!byName) {
    byName = new Map();
    filterCache.set(client, byName);
  }
  let p = byName.get(filter);
  if (!p) {
    const cache = byName;
    p = client
      .request('POST', '/_analyze', { tokenizer: 'standard', filter: [filter], text: 'a' })
      .then((res) => {
        if (res.status === 200) return true;
        const reason = JSON.stringify(res.body ?? '');
        if (res.status === 400 && /failed to find .*filter/i.test(reason)) return false;
        throw new Error(
          `_analyze with the ${filter} filter answered HTTP ${res.status}: ${reason.slice(0, 300)}`,
        );
      });
    cache.set(filter, p);
    p.catch(() => cache.delete(filter));
  }
  return p;
}

/** The filters of `filters` the engine does not have. */
export async function missingTokenFilters(
  client: SearchClient,
  filters: readonly string[],
): Promise<string[]> {
  const has = await Promise.all(filters.map((f) => hasTokenFilter(client, f)));
  return filters.filter((_, i) => !has[i]);
}
