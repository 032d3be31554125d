/**
 * Snapshot progress, stored inside the source checkpoint so a crash resumes at the last completed chunk.
 * Plain JSON: key values are stored as read (strings/numbers).
 */
export interface SnapshotState {
  /** Tables still to read, in order; the first is the one in progress. */
  queue: string[];
  /** Last key of the last completed chunk of queue[0]; null before its first chunk. */
  lastKey: unknown[] | null;
  /**
   * Upper bound (inclusive) of queue[0]'s snapshot: a requested range's end, or the table's greatest key
   * when its snapshot started (rows added later arrive by the stream). Null: no bound.
   */
  untilKey?: unknown[] | null;
  /** untilKey is fixed for queue[0] (kept across restarts, so a resume reads up to the same bound). */
  bounded?: boolean;
  rowsDone: number;
  estimatedRows: number;
  startedAtMs: number;
  completed: string[];
  /**
   * Set when this full snapshot starts over documents it did not write (a purged position, or a first run
   * that ended before its first checkpoint): documents below this version (decimal string) belong to rows
   * deleted before the snapshot started, whose delete events will never be read. Swept per table.
   */
  sweepBelow?: string;
  /** Tables whose documents below `sweepBelow` are swept once their snapshot completes. */
  sweepTables?: string[];
  /** Tables whose snapshot completed and whose sweep has not finished yet (re-run after a restart). */
  sweepPending?: string[];
}

export function newSnapshotState(tables: readonly string[], estimatedRows: number): SnapshotState {
  return {
    queue: [...tables],
    lastKey: null,
    rowsDone: 0,
    estimatedRows,
    startedAtMs: Date.now(),
    completed: [],
  };
}

export function isSnapshotDone(s: SnapshotState | undefined): boolean {
  return s === undefined || s.queue.length === 0;
}

/** Chunks still to read, or orphan sweeps still to finish: the state must stay in the checkpoint. */
export function hasPendingWork(s: SnapshotState | undefined): boolean {
  return !isSnapshotDone(s) || (s?.sweepPending?.length ?? 0) > 0;
}

export interface SnapshotProgress {
  table: string | undefined;
  rowsDone: number;
  estimatedRows: number;
  percent: number;
  rowsPerSecond: number;
  etaSeconds: number | undefined;
  tablesLeft: number;
}

export function progressOf(s: SnapshotState | undefined): SnapshotProgress | undefined {
  if (!s) return undefined;
  const elapsed = Math.max(1, (Date.now() - s.startedAtMs) / 1000);
  const rate = s.rowsDone / elapsed;
  const left = Math.max(0, s.estimatedRows - s.rowsDone);
  return {
    table: s.queue[0],
    rowsDone: s.rowsDone,
    estimatedRows: s.estimatedRows,
    percent:
      s.estimatedRows > 0 ? Math.min(100, (100 * s.rowsDone) / s.estimatedRows) : s.queue.length ? 0 : 100,
    rowsPerSecond: Math.round(rate),
    etaSeconds: rate > 0 && s.queue.length > 0 ? Math.round(left / rate) : undefined,
    tablesLeft: s.queue.length,
  };
}
