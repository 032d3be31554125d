import { SynclineError } from '../../core/errors.js';
import { sleep as delay } from '../../core/timers.js';
import type { IndexBody } from '../../mapping/index-definitions.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { engineCall } from '../index-reader.js';

/** Index and alias calls of a reindex: what an alias points to, versioned names, create, swap. */

function ok(what: string, res: { status: number; body: unknown }): void {
  if (res.status >= 200 && res.status < 300) return;
  const err = (res.body as { error?: { type?: string; reason?: string } })?.error;
  throw new SynclineError(
    'OPS_ENGINE_FAILED',
    `${what}: HTTP ${res.status} ${err?.type ?? ''}: ${err?.reason ?? JSON.stringify(res.body).slice(0, 300)}`,
  );
}

export type NameKind = { kind: 'alias'; indexes: string[] } | { kind: 'index' } | { kind: 'missing' };

/** What `name` is: an alias (and the indexes behind it), a concrete index, or nothing. */
export async function describeName(client: SearchClient, name: string): Promise<NameKind> {
  const res = await engineCall<Record<string, unknown>>(
    client,
    `alias lookup of ${name}`,
    'GET',
    `/_alias/${encodeURIComponent(name)}`,
  );
  if (res.status === 200 && res.body && Object.keys(res.body).length > 0)
    return { kind: 'alias', indexes: Object.keys(res.body).sort() };
  const head = await engineCall(client, `lookup of ${name}`, 'GET', `/${encodeURIComponent(name)}/_settings`);
  if (head.status === 200) return { kind: 'index' };
  return { kind: 'missing' };
}

/** The versions N of the existing `<alias>_v<N>` indexes, ascending. */
export async function existingVersions(client: SearchClient, alias: string): Promise<number[]> {
  const res = await engineCall<Array<{ index: string }>>(
    client,
    `listing ${alias}_v*`,
    'GET',
    `/_cat/indices/${encodeURIComponent(`${alias}_v*`)}?format=json&h=index&expand_wildcards=all`,
  );
  if (res.status === 404) return [];
  ok(`listing ${alias}_v*`, res);
  const re = new RegExp(`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_v(\\d+)$`);
  return (res.body ?? [])
    .map((r) => re.exec(r.index)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function versionOf(alias: string, index: string): number | undefined {
  const m = new RegExp(`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_v(\\d+)$`).exec(index);
  return m ? Number(m[1]) : undefined;
}

export async function indexExists(client: SearchClient, index: string): Promise<boolean> {
  const res = await engineCall(
    client,
    `lookup of ${index}`,
    'GET',
    `/${encodeURIComponent(index)}/_settings`,
  );
  return res.status === 200;
}

export async function createIndex(client: SearchClient, index: string, body: IndexBody): Promise<void> {
  ok(
    `creating ${index}`,
    await engineCall(client, `creating ${index}`, 'PUT', `/${encodeURIComponent(index)}`, body),
  );
}

export async function deleteIndex(client: SearchClient, index: string): Promise<void> {
  const res = await engineCall(client, `deleting ${index}`, 'DELETE', `/${encodeURIComponent(index)}`);
  if (res.status !== 404) ok(`deleting ${index}`, res);
}

/** Sets index.refresh_interval (null: back to the index's default). */
export async function setRefreshInterval(
  client: SearchClient,
  index: string,
  value: string | null,
): Promise<void> {
  ok(
    `settings of ${index}`,
    await engineCall(client, `settings of ${index}`, 'PUT', `/${encodeURIComponent(index)}/_settings`, {
      index: { refresh_interval: value },
    }),
  );
}

export async function refresh(client: SearchClient, index: string): Promise<void> {
  ok(
    `refresh of ${index}`,
    await engineCall(client, `refresh of ${index}`, 'POST', `/${encodeURIComponent(index)}/_refresh`),
  );
}

/**
 * Waits until every primary shard of the index is active (yellow or better): from then on a search on
 * it answers from every shard, never a partial result.
 */
export async function waitForPrimaries(
  client: SearchClient,
  index: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await engineCall<{ status?: string; timed_out?: boolean }>(
      client,
      `health of ${index}`,
      'GET',
      `/_cluster/health/${encodeURIComponent(index)}?wait_for_status=yellow&timeout=10s`,
    );
    if (res.status === 200 && !res.body.timed_out && res.body.status !== 'red') return;
    if (Date.now() > deadline) {
      throw new SynclineError(
        'REINDEX_FAILED',
        `${index} has inactive primary shards (health ${res.body?.status ?? res.status})`,
      );
    }
    await delay(500);
  }
}

/**
 * Moves the alias from one index to another in ONE `_aliases` request: the engine applies both actions
 * in one cluster-state update, so every search resolves the alias to exactly one complete index.
 */
export async function swapAlias(
  client: SearchClient,
  alias: string,
  from: string,
  to: string,
): Promise<void> {
  ok(
    `moving alias ${alias} from ${from} to ${to}`,
    await engineCall(client, `moving alias ${alias}`, 'POST', '/_aliases', {
      actions: [{ remove: { index: from, alias } }, { add: { index: to, alias } }],
    }),
  );
}
