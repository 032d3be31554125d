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
