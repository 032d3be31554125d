import type { BenchContext } from './context.js';

/** Deletes the index behind an alias created by ensureIndex (`<name>_v1`), and `<name>` itself if an index. */
export async function deleteIndex(ctx: BenchContext, name: string): Promise<void> {
  await ctx.search.request('DELETE', `/${name}_v1`).catch(() => {});
  await ctx.search.request('DELETE', `/${name}`).catch(() => {});
}

/** Every index of this run (`<db>_*`). */
export async function deleteRunIndexes(ctx: BenchContext): Promise<void> {
  const res = await ctx.search.request<Array<{ index: string }>>(
    'GET',
    `/_cat/indices/${ctx.db}_*?format=json`,
  );
  if (!Array.isArray(res.body)) return;
  for (const { index } of res.body) await ctx.search.request('DELETE', `/${index}`).catch(() => {});
}

/** The document's source by a real-time GET (sees bulk writes before any refresh), or undefined. */
export async function getSource(
  ctx: BenchContext,
  index: string,
  id: string | number,
): Promise<Record<string, unknown> | undefined> {
  const res = await ctx.search.request<{ found?: boolean; _source?: Record<string, unknown> }>(
    'GET',
    `/${index}/_doc/${id}`,
  );
  return res.status === 200 && res.body.found ? res.body._source : undefined;
}

export async function refreshAndCount(ctx: BenchContext, index: string): Promise<number> {
  await ctx.search.request('POST', `/${index}/_refresh`);
  const res = await ctx.search.request<{ count?: number }>('GET', `/${index}/_count`);
  return Number(res.body.count ?? -1);
}

/** index + delete operations the index has applied so far (primary shard stats; no refresh needed). */
export async function appliedOps(ctx: BenchContext, index: string): Promise<number> {
  const res = await ctx.search.request<{
    _all?: { primaries?: { indexing?: { index_total?: number; delete_total?: number } } };
  }>('GET', `/${index}/_stats/indexing`);
  const i = res.body._all?.primaries?.indexing;
  return Number(i?.index_total ?? 0) + Number(i?.delete_total ?? 0);
}

/** index.blocks.write on or off: every write then fails with a cluster block (403), which Syncline retries. */
export async function setWriteBlock(ctx: BenchContext, index: string, blocked: boolean): Promise<void> {
  const res = await ctx.search.request('PUT', `/${index}/_settings`, { 'index.blocks.write': blocked });
  if (res.status !== 200) throw new Error(`setting index.blocks.write=${blocked} answered ${res.status}`);
}

/**
 * Polls `check` every `everyMs` until it returns a value (not undefined) or the timeout passes. A failing check
 * counts as "not yet"; `alive` (e.g. "the measured process is still running") is asked first on every round and
 * its error ends the wait at once.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; everyMs?: number; onTimeout?: () => string; alive?: () => void },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.alive?.();
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.onTimeout ? `: ${opts.onTimeout()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
