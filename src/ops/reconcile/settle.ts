import type { Pool } from 'mysql2/promise';
import type { Position } from '../../core/change-event.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { barrier, waitForPipelines } from '../barrier.js';
import { mgetSources } from '../index-reader.js';
import { type Expected, type IndexTables, readExpected, type Suspect, sameState } from './expected.js';
import { docFingerprint } from './fingerprint.js';

export type DriftKind = 'missing' | 'extra' | 'stale';

export interface Finding {
  readonly id: string;
  readonly kind: DriftKind;
}

export interface SettleResult {
  readonly drift: Finding[];
  /** Still changing after the last round: not drift, in flight. */
  readonly inFlight: string[];
  readonly unmappable: Array<{ id: string; error: string }>;
}

export interface SettleDeps {
  readonly pool: Pool;
  readonly search: SearchClient;
  readonly internalDatabase: string;
  /** Pipelines that write this index (their position must pass each barrier). */
  readonly pipelines: readonly string[];
  readonly positionOf: (pipeline: string) => Promise<Position | undefined>;
  readonly rounds: number;
  readonly timeoutMs: number;
  readonly idleMs?: number;
  /** Pipelines found not running earlier in this run: not waited for again. */
  readonly stopped: Set<string>;
  readonly signal?: AbortSignal;
}

/**
 * Separates real drift from changes in flight. Each round: read the suspects' rows (R1), commit a barrier,
 * wait until the pipelines have applied everything up to it, read the index (I), read the rows again (R2).
 * A row that is the same in R1 and R2 did not change in between, and the pipeline has applied every
 * change R1 saw: if the index differs from it, that is drift. A row that changed is re-checked in the
 * next round; after the last round it is reported as in flight.
 */
export async function settle(
  d: SettleDeps,
  t: IndexTables,
  suspects: readonly Suspect[],
): Promise<SettleResult> {
  const drift: Finding[] = [];
  const unmappable: SettleResult['unmappable'] = [];
  let pending = [...suspects];
  for (let round = 0; round < d.rounds && pending.length > 0; round++) {
    const r1 = await readExpected(d.pool, t, pending);
    const live = d.pipelines.filter((p) => !d.stopped.has(p));
    if (live.length > 0) {
      const b = await barrier(d.pool, d.internalDatabase);
      const waited = await waitForPipelines(live, b.gtid, d.positionOf, {
        timeoutMs: d.timeoutMs,
        ...(d.idleMs !== undefined && { idleMs: d.idleMs }),
        ...(d.signal && { signal: d.signal }),
      });
      for (const x of waited.behind) d.stopped.add(x.pipeline);
    }
    const docs = await mgetSources(
      d.search,
      t.index,
      pending.map((s) => s.id),
      d.signal,
    );
    const r2 = await readExpected(d.pool, t, pending);
    const next: Suspect[] = [];
    for (const s of pending) {
      const a = r1.get(s.id)!;
      const b = r2.get(s.id)!;
      if (!sameState(a, b)) {
        next.push(s);
        continue;
      }
      const kind = compare(b, docs.get(s.id));
      if (kind === 'unmappable') unmappable.push({ id: s.id, error: (b as { error: string }).error });
      else if (kind) drift.push({ id: s.id, kind });
    }
    pending = next;
  }
  return { drift, inFlight: pending.map((s) => s.id), unmappable };
}

/** The drift between what the index should hold and what it holds; undefined when they agree. */
export function compare(
  expected: Expected,
  source: Record<string, unknown> | undefined,
): DriftKind | 'unmappable' | undefined {
  if (expected.state === 'unmappable') return 'unmappable';
  if (expected.state === 'absent') return source ? 'extra' : undefined;
  if (!source) return 'missing';
  return docFingerprint(source) === expected.fp ? undefined : 'stale';
}
