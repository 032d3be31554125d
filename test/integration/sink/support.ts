import type { SearchClient } from '../../../src/sinks/search/client.js';

/** Index helpers for sink integration tests against the real node. */
export async function createIndex(
  client: SearchClient,
  name: string,
  body: { settings?: Record<string, unknown>; mappings?: Record<string, unknown> } = {},
): Promise<void> {
  const res = await client.request('PUT', `/${name}`, {
    settings: { number_of_shards: 1, number_of_replicas: 0, ...body.settings },
    ...(body.mappings && { mappings: body.mappings }),
  });
  if (res.status !== 200) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function deleteIndex(client: SearchClient, ...names: string[]): Promise<void> {
  for (const n of names) await client.request('DELETE', `/${n}?ignore_unavailable=true`);
}

export async function setSettings(client: SearchClient, name: string, settings: Record<string, unknown>) {
  const res = await client.request('PUT', `/${name}/_settings`, settings);
  if (res.status !== 200) throw new Error(`settings ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function countDocs(client: SearchClient, name: string): Promise<number> {
  await client.request('POST', `/${name}/_refresh`);
  const res = await client.request<{ count: number }>('GET', `/${name}/_count`);
  return res.body.count;
}

export async function getDoc(
  client: SearchClient,
  name: string,
  id: string,
): Promise<{ found: boolean; version?: number; source?: Record<string, unknown> }> {
  const res = await client.request<{ found: boolean; _version?: number; _source?: Record<string, unknown> }>(
    'GET',
    `/${name}/_doc/${encodeURIComponent(id)}`,
  );
  return { found: res.body.found === true, version: res.body._version, source: res.body._source };
}

/** Ids of all documents (up to 10 000). */
export async function allIds(client: SearchClient, name: string): Promise<string[]> {
  await client.request('POST', `/${name}/_refresh`);
  const res = await client.request<{ hits: { hits: Array<{ _id: string }> } }>('POST', `/${name}/_search`, {
    size: 10_000,
    _source: false,
    query: { match_all: {} },
  });
  return res.body.hits.hits.map((h) => h._id);
}

interface TasksBody {
  nodes?: Record<string, { tasks?: Record<string, { action: string; description?: string }> }>;
}

/** Ids of the `_bulk` request tasks the engine is running whose description names `index`. */
export async function runningBulkIds(client: SearchClient, index: string): Promise<string[]> {
  const res = await client.request<TasksBody>('GET', '/_tasks?actions=indices:data/write/bulk&detailed=true');
  const ids: string[] = [];
  for (const n of Object.values(res.body.nodes ?? {}))
    for (const [id, t] of Object.entries(n.tasks ?? {}))
      if (t.action === 'indices:data/write/bulk' && t.description?.includes(index)) ids.push(id);
  return ids;
}

/**
 * A `_bulk` request the engine keeps running for `waitS` seconds, standing for a killed worker's last
 * request: on an index with one replica on a one-node cluster, `wait_for_active_shards=2` waits for a copy
 * that never comes until the request's own timeout (then the item fails with 503: nothing is written).
 */
export function slowBulk(client: SearchClient, index: string, waitS: number, id = 'a'): Promise<unknown> {
  const body = `${JSON.stringify({ index: { _index: index, _id: id } })}\n${JSON.stringify({ v: 1 })}\n`;
  return client.request('POST', `/_bulk?wait_for_active_shards=2&timeout=${waitS}s`, body, {
    contentType: 'application/x-ndjson',
    timeoutMs: (waitS + 30) * 1000,
  });
}
