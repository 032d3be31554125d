import { type DriftFinding, driftByIndex, recordDrift } from '../ops/reconcile/drift.js';

/**
 * Drift per index as the last reconcile found it. Reconcile (src/ops) records its findings in the ops
 * drift registry; setDrift is the small entry point for anything else that checks an index (a custom
 * checker, a test) and writes to the same registry. The metrics (`syncline_drift_*`) and the dashboard
 * read it. Process-wide on purpose.
 */
export interface DriftCounts {
  /** Rows with no document. */
  missing: number;
  /** Documents with no row. */
  extra: number;
  /** Documents that differ from their row. */
  stale: number;
  /** Drift left after the run (a repair fixed the rest); default missing + extra + stale. */
  unrepaired?: number;
}

export function setDrift(index: string, counts: DriftCounts, atMs = Date.now()): void {
  const found = counts.missing + counts.extra + counts.stale;
  recordDrift({
    index,
    missing: counts.missing,
    extra: counts.extra,
    stale: counts.stale,
    inFlight: 0,
    unmappable: 0,
    drift: counts.unrepaired ?? found,
    repaired: counts.unrepaired !== undefined && counts.unrepaired < found,
    checkedAt: atMs,
  });
}

/** Latest findings per index, by index name. */
export function driftReports(): DriftFinding[] {
  return [...driftByIndex()].sort((a, b) => a.index.localeCompare(b.index));
}
