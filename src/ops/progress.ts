/** Progress of a long operation, reported to a listener (the CLI's progress bar, an admin job). */
export interface Progress {
  /** reconcile, reindex, replay, snapshot. */
  readonly operation: string;
  /** What is being worked on now (an index, a table). */
  readonly subject?: string;
  /** Step within the operation: compare, extras, settle, repair, fill, catch-up, swap… */
  readonly phase: string;
  readonly done: number;
  /** Expected total, when known (estimates may be exceeded). */
  readonly total?: number;
  /** What `done` counts: rows, ids, documents, entries. */
  readonly unit: string;
}

export type ProgressListener = (p: Progress) => void;

export const noProgress: ProgressListener = () => {};
