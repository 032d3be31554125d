/** The operations as a library: what the CLI, the admin routes and `syncline run` call. */
export { type Barrier, barrier, pipelinesCapturing, positionReached, waitForPipelines } from './barrier.js';
export {
  createOpsContext,
  type LivePipelines,
  type OpsContext,
  type OwnedOpsContext,
  opsContextFor,
} from './context.js';
export {
  checkKind,
  DEAD_LETTER_KINDS,
  type DeadLetterCounts,
  type DeadLetterSelection,
  type DeadLetterSummary,
  deadLetterCounts,
  listDeadLetters,
  type PurgeOptions,
  purgeDeadLetters,
  type ReplayOptions,
  type ReplayReport,
  replayDeadLetters,
  showDeadLetter,
} from './dead-letters.js';
export { JobRegistry, type JobView } from './jobs.js';
export { noProgress, type Progress, type ProgressListener } from './progress.js';
export { type DriftFinding, driftByIndex, onDrift } from './reconcile/drift.js';
export {
  type IndexReport,
  type ReconcileOptions,
  type ReconcileReport,
  reconcile,
  resolveTargets,
} from './reconcile/reconcile.js';
export { parseSchedule, ReconcileScheduler } from './reconcile/schedule.js';
export {
  type ReindexOptions,
  type ReindexReport,
  type ReindexStatus,
  reindex,
  reindexStatus,
} from './reindex/reindex.js';
export { type ResnapshotOptions, type ResnapshotReport, requestResnapshot } from './snapshot.js';
