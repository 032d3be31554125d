import type { Logger } from 'pino';
import { sleep } from '../../core/timers.js';
import type { SearchClient } from './client.js';

/**
 * A worker's fence against its predecessor's writes still running in the engine (docs/guarantees.md,
 * "A predecessor's writes"). A worker killed with kill -9, or deposed in an HA take-over, may have sent a
 * `_bulk` request that the engine has received but not yet applied: the engine carries it out although its
 * client is gone. For a flat document that is harmless (the replay writes the same content with the same
 * version), but a built document (relations) is read when it is rebuilt: the predecessor's copy, read
 * before a related row changed, and the successor's replayed copy carry the same version, and the first
 * one applied wins. If the predecessor's lands last, after the successor's index look-up for the changed
 * related row has already searched, the old copy stays. So before its first read or write the successor
 * waits until the bulk tasks for its indexes that the engine was running when it started have ended —
 * bounded by the request timeout, after which it goes on with a warning.
 */

const BULK_ACTION = 'indices:data/write/bulk';
const POLL_MS = 100;

export interface EarlierWritesResult {
  /** Bulk tasks for our indexes that were running when the worker started. */
  readonly tasks: number;
  readonly waitedMs: number;
  /** The bound was reached with some of them still running. */
  readonly timedOut: boolean;
  /** The engine refused the tasks API (privileges): nothing was awaited. */
  readonly unavailable?: string;
}

interface TaskInfo {
  action?: string;
  description?: string;
}
interface TasksBody {
  nodes?: Record<string, { tasks?: Record<string, TaskInfo> }>;
}

/**
 * Whether a bulk task's description (`requests[N], indices[a, b]` on every engine) names one of the
 * indexes: an alias or one of its `<alias>_v<N>` generations. A description that does not parse counts
 * as ours (waiting too long is bounded; missing a write is not).
 */
export function bulkTouches(description: string | undefined, indexes: readonly string[]): boolean {
  const m = /indices\[([^\]]*)\]/.exec(description ?? '');
  if (!m) return true;
  const names = m[1]!.split(',').map((s) => s.trim());
  return names.some((n) =>
    indexes.some((i) => n === i || (n.startsWith(`${i}_v`) && /^\d+$/.test(n.slice(i.length + 2)))),
  );
}

/** The ids of the running bulk request tasks that touch the indexes; a string when the API is refused. */
async function runningBulks(
  search: SearchClient,
  indexes: readonly string[],
  signal?: AbortSignal,
): Promise<Set<string> | string> {
  const res = await search.request<TasksBody>(
    'GET',
    `/_tasks?actions=${encodeURIComponent(BULK_ACTION)}&detailed=true`,
    undefined,
    signal ? { signal } : {},
  );
  if (res.status !== 200) return `GET /_tasks answered ${res.status}`;
  // the request's task (Elasticsearch 9 gives it a parent of its own: the bulk session), not its shards'
  const ids = new Set<string>();
  for (const node of Object.values(res.body.nodes ?? {}))
    for (const [id, t] of Object.entries(node.tasks ?? {}))
      if (t.action === BULK_ACTION && bulkTouches(t.description, indexes)) ids.add(id);
  return ids;
}

export async function awaitEarlierBulkWrites(
  search: SearchClient,
  indexes: readonly string[],
  opts: { timeoutMs: number; logger: Logger; signal?: AbortSignal },
): Promise<EarlierWritesResult> {
  const started = Date.now();
  const refused = (why: string, tasks: number): EarlierWritesResult => {
    opts.logger.warn(
      `cannot see the engine's running writes (${why}): a predecessor's last _bulk request may land after this worker's first look-ups; grant the cluster privilege cluster:monitor/tasks/lists (Elasticsearch: monitor) to the search user`,
    );
    return { tasks, waitedMs: Date.now() - started, timedOut: false, unavailable: why };
  };
  const first = await runningBulks(search, indexes, opts.signal);
  if (typeof first === 'string') return refused(first, 0);
  if (first.size === 0) return { tasks: 0, waitedMs: 0, timedOut: false };
  opts.logger.info(
    { tasks: [...first], indexes },
    `waiting for ${first.size} _bulk request(s) the engine was already running for these indexes (a previous worker's)`,
  );
  let pending = first;
  while (pending.size > 0) {
    if (Date.now() - started >= opts.timeoutMs) {
      opts.logger.warn(
        { tasks: [...pending] },
        `earlier _bulk request(s) still running after ${opts.timeoutMs} ms: going on (reconcile settles a document they leave behind)`,
      );
      return { tasks: first.size, waitedMs: Date.now() - started, timedOut: true };
    }
    await sleep(POLL_MS, opts.signal);
    const now = await runningBulks(search, indexes, opts.signal);
    if (typeof now === 'string') return refused(now, first.size);
    pending = new Set([...pending].filter((id) => now.has(id)));
  }
  return { tasks: first.size, waitedMs: Date.now() - started, timedOut: false };
}
