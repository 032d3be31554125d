/**
 * Drift per index as the last reconcile found it. Reconcile (src/ops) calls setDrift after each run; the
 * metrics (`syncline_drift_documents`) and the dashboard read it. Process-wide on purpose: reconcile runs
 * wherever it runs and every registry of the process reports the same findings.
 */
export interface DriftCounts {
  /** Rows with no document. */
  missing: number;
  /** Documents with no row. */
  extra: number;
  /** Documents that differ from their row. */
  stale: number;
  /** Rows compared, when known. */
  checked?: number;
  /** Documents repaired by this run, when it repaired. */
  repaired?: number;
}

export interface DriftReport extends DriftCounts {
  index: string;
  /** When this run finished, epoch ms. */
  atMs: number;
}

const board = new Map<string, DriftReport>();

export function setDrift(index: string, counts: DriftCounts, atMs = Date.now()): void {
  board.set(index, { index, atMs, ...counts });
}

/** Latest findings per index, by index name. */
export function driftReports(): DriftReport[] {
  return [...board.values()].sort((a, b) => a.index.localeCompare(b.index));
}

/** Forgets an index (dropped, or a test cleaning up). */
export function clearDrift(index?: string): void {
  if (index === undefined) board.clear();
  else board.delete(index);
}
