import type { ChangeEvent } from '../core/change-event.js';
import { errorMessage, SynclineError } from '../core/errors.js';
import type { DeadLetterEntry, DeadLetterKind, DeadLetterStore, IndexOp } from '../core/interfaces.js';
import { BulkSink } from '../sinks/search/bulk-sink.js';
import type { OpsContext } from './context.js';
import { noProgress, type ProgressListener } from './progress.js';

/** Dead-letter operations: list, show, counts, replay through the current mapping, purge (docs/dead-letters.md). */

export const DEAD_LETTER_KINDS: readonly DeadLetterKind[] = [
  'mapping',
  'rejected',
  'retries-exhausted',
  'conversion',
  'invalid-event',
];

export interface DeadLetterSelection {
  readonly pipeline?: string;
  readonly index?: string;
  readonly kind?: DeadLetterKind;
  readonly ids?: readonly number[];
}

/** An entry without its event (lists stay small); `show` returns the whole entry. */
export interface DeadLetterSummary {
  readonly id: number;
  readonly pipeline: string;
  readonly index: string;
  readonly docId: string | null;
  readonly kind: DeadLetterKind;
  readonly error: string;
  readonly attempts: number;
  readonly op: string;
  readonly table: string;
  readonly position: string;
  readonly firstSeen: string | undefined;
  readonly lastSeen: string | undefined;
}

export function summarize(e: DeadLetterEntry): DeadLetterSummary {
  return {
    id: e.id ?? 0,
    pipeline: e.pipeline,
    index: e.index,
    docId: e.docId,
    kind: e.kind,
    error: e.error,
    attempts: e.attempts,
    op: e.event.op,
    table: `${e.event.source.database}.${e.event.source.table}`,
    position: e.event.source.position.label,
    firstSeen: e.firstSeen?.toISOString(),
    lastSeen: e.lastSeen?.toISOString(),
  };
}

export function checkKind(kind: string | undefined): DeadLetterKind | undefined {
  if (kind === undefined) return undefined;
  if (!(DEAD_LETTER_KINDS as readonly string[]).includes(kind)) {
    throw new SynclineError(
      'CONFIG_INVALID',
      `--kind: "${kind}" is not a dead-letter kind (one of ${DEAD_LETTER_KINDS.join(', ')})`,
    );
  }
  return kind as DeadLetterKind;
}

export async function listDeadLetters(
  ctx: OpsContext,
  sel: DeadLetterSelection & { limit?: number; afterId?: number } = {},
): Promise<DeadLetterSummary[]> {
  return (await ctx.deadLetters.list({ ...sel, limit: sel.limit ?? 100 })).map(summarize);
}

export async function showDeadLetter(ctx: OpsContext, id: number): Promise<DeadLetterEntry> {
  const [e] = await ctx.deadLetters.list({ ids: [id], limit: 1 });
  if (!e) throw new SynclineError('DEAD_LETTER_NOT_FOUND', `no dead letter with id ${id}`);
  return e;
}

export interface DeadLetterCounts {
  readonly total: number;
  readonly byIndex: Array<{ index: string; kind: DeadLetterKind; count: number }>;
}

export async function deadLetterCounts(ctx: OpsContext): Promise<DeadLetterCounts> {
  const byIndex = await ctx.deadLetters.counts();
  return { total: byIndex.reduce((n, c) => n + c.count, 0), byIndex };
}

export interface ReplayOptions extends DeadLetterSelection {
  /** Replay TRUNCATE events too (they delete every document of the index; off by default). */
  readonly includeTruncate?: boolean;
  /** Entries per round (one bulk write each). Default 500. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface ReplayReport {
  readonly selected: number;
  /** Written now. */
  readonly landed: number;
  /** The index already held this version or a newer one (nothing to do). */
  readonly stale: number;
  /** Failed again: kept, attempts + 1, error updated. */
  readonly failed: number;
  /** Not replayed (truncates without includeTruncate): kept as they are. */
  readonly skipped: number;
  /** Removed from the store (landed or stale). */
  readonly removed: number;
  /** The first failures, with their new error. */
  readonly failures: Array<{ id: number; kind: DeadLetterKind; error: string }>;
}

/** Collects what the replay sink would dead-letter, so the original entry is updated instead. */
class Capture implements DeadLetterStore {
  readonly failed = new Map<ChangeEvent, { kind: DeadLetterKind; error: string }>();
  async put(e: DeadLetterEntry): Promise<number> {
    this.failed.set(e.event, { kind: e.kind, error: e.error });
    return 0;
  }
  async list(): Promise<DeadLetterEntry[]> {
    return [];
  }
  async counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>> {
    return [];
  }
  async remove(): Promise<number> {
    return 0;
  }
}

/**
 * Replays dead letters: each stored event goes through the CURRENT mapping (so a fixed mapping, a
 * renamed field or an index fixed by a reindex applies) and the versioned bulk sink. Landed or stale
 * (a newer version is already there) → the entry is removed. Failed again (mapping, conversion,
 * rejection) → the entry stays with attempts + 1 and the new error. Versions are the original events',
 * so a replay never overwrites a newer change.
 */
export async function replayDeadLetters(
  ctx: OpsContext,
  opts: ReplayOptions = {},
  onProgress: ProgressListener = noProgress,
): Promise<ReplayReport> {
  const mappings = await ctx.loadMappings();
  const size = opts.batchSize ?? 500;
  const sel: DeadLetterSelection = {
    ...(opts.pipeline && { pipeline: opts.pipeline }),
    ...(opts.index && { index: opts.index }),
    ...(opts.kind && { kind: opts.kind }),
    ...(opts.ids && { ids: opts.ids }),
  };
  const total = opts.ids ? opts.ids.length : await countSelected(ctx, sel);
  const r = { selected: 0, landed: 0, stale: 0, failed: 0, skipped: 0, removed: 0 };
  const failures: ReplayReport['failures'] = [];
  let afterId = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const page = await ctx.deadLetters.list({ ...sel, afterId, limit: size });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id ?? afterId;
    r.selected += page.length;
    const capture = new Capture();
    const ops: IndexOp[] = [];
    const perEntry = new Map<
      DeadLetterEntry,
      { ops: number[]; error?: { kind: DeadLetterKind; error: string } }
    >();
    for (const e of page) {
      if (e.event.op === 't' && !opts.includeTruncate) {
        r.skipped++;
        continue;
      }
      const slot = { ops: [] as number[] } as {
        ops: number[];
        error?: { kind: DeadLetterKind; error: string };
      };
      perEntry.set(e, slot);
      try {
        const mapped = mappings.toOps(e.event);
        if (mapped.length === 0) {
          slot.error = {
            kind: e.kind,
            error: `no mapping for ${e.event.source.database}.${e.event.source.table} in the current config`,
          };
        }
        for (const op of mapped) {
          slot.ops.push(ops.length);
          ops.push(op);
        }
      } catch (err) {
        slot.error = { kind: 'conversion', error: errorMessage(err) };
      }
    }
    const sink = new BulkSink({
      client: ctx.search,
      config: ctx.config.sink,
      deadLetters: capture,
      pipeline: 'dlq-replay',
      logger: ctx.logger,
      ...(opts.signal && { signal: opts.signal }),
    });
    let outcomes: readonly string[] = [];
    try {
      outcomes = (await sink.write(ops, opts.signal)).outcomes;
    } finally {
      await sink.close();
    }
    const remove: number[] = [];
    for (const [e, slot] of perEntry) {
      const failed =
        slot.error ??
        slot.ops.map((i) => outcomes[i] === 'dead' && capture.failed.get(ops[i]!.event)).find(Boolean);
      if (failed) {
        r.failed++;
        if (failures.length < 100) failures.push({ id: e.id ?? 0, kind: failed.kind, error: failed.error });
        // Same (pipeline, index, doc) key: the store adds the attempt and keeps the newest error.
        await ctx.deadLetters.put({ ...e, kind: failed.kind, error: failed.error, attempts: 1 });
        continue;
      }
      if (slot.ops.every((i) => outcomes[i] === 'stale')) r.stale++;
      else r.landed++;
      if (e.id !== undefined) remove.push(e.id);
    }
    r.removed += await ctx.deadLetters.remove(remove);
    onProgress({
      operation: 'replay',
      phase: 'replay',
      done: r.selected,
      total: Math.max(total, r.selected),
      unit: 'entries',
    });
  }
  return { ...r, failures };
}

async function countSelected(ctx: OpsContext, sel: DeadLetterSelection): Promise<number> {
  const counts = await ctx.deadLetters.counts();
  if (sel.pipeline) return 0; // counts are per index and kind; the total is then unknown
  return counts
    .filter((c) => (!sel.index || c.index === sel.index) && (!sel.kind || c.kind === sel.kind))
    .reduce((n, c) => n + c.count, 0);
}

export interface PurgeOptions extends DeadLetterSelection {
  /** Required when nothing else is selected: purging every entry must be asked for. */
  readonly all?: boolean;
}

/** Removes the selected entries. Refuses an empty selection unless `all` is set. */
export async function purgeDeadLetters(ctx: OpsContext, opts: PurgeOptions): Promise<{ removed: number }> {
  const selective = opts.pipeline || opts.index || opts.kind || opts.ids;
  if (!selective && !opts.all) {
    throw new SynclineError(
      'CONFIG_INVALID',
      'purge needs a selection (--index, --kind, --pipeline, --ids) or --all to remove every dead letter',
    );
  }
  let removed = 0;
  let afterId = 0;
  for (;;) {
    const page = await ctx.deadLetters.list({
      ...(opts.pipeline && { pipeline: opts.pipeline }),
      ...(opts.index && { index: opts.index }),
      ...(opts.kind && { kind: opts.kind }),
      ...(opts.ids && { ids: opts.ids }),
      afterId,
      limit: 1000,
    });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id ?? afterId;
    removed += await ctx.deadLetters.remove(page.map((e) => e.id!).filter((id) => id !== undefined));
  }
  return { removed };
}
