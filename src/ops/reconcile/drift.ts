/**
 * The latest reconcile findings per index, for the metrics (`drift` gauge per index), the admin API and
 * the dashboard. One process-wide registry: reconcile runs record here, readers take the current values or
 * subscribe to every new finding.
 */
export interface DriftFinding {
  readonly index: string;
  readonly missing: number;
  readonly extra: number;
  readonly stale: number;
  /** Keys still changing after every re-check round (not counted as drift). */
  readonly inFlight: number;
  /** Rows the mapping cannot convert (they are dead letters, not drift). */
  readonly unmappable: number;
  /** Drift left after the run: missing + extra + stale, or what a repair could not fix. The gauge's value. */
  readonly drift: number;
  readonly repaired: boolean;
  /** Epoch ms when the run for this index finished. */
  readonly checkedAt: number;
}

const latest = new Map<string, DriftFinding>();
const listeners = new Set<(f: DriftFinding) => void>();

export function recordDrift(f: DriftFinding): void {
  latest.set(f.index, f);
  for (const l of listeners) {
    try {
      l(f);
    } catch {
      // a listener's failure is its own
    }
  }
}

/** The latest finding of every index reconciled in this process. */
export function driftByIndex(): DriftFinding[] {
  return [...latest.values()];
}

/** Calls `listener` on every new finding; returns the unsubscribe function. */
export function onDrift(listener: (f: DriftFinding) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
