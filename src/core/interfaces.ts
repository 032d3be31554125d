import type { ChangeEvent, Position } from './change-event.js';

/** One write the sink must apply. `_id` = document id derived from the key; versions are external. */
export type IndexOp =
  | {
      readonly action: 'index';
      readonly index: string;
      readonly id: string;
      readonly version: bigint;
      readonly doc: Readonly<Record<string, unknown>>;
      readonly routing?: string;
      readonly event: ChangeEvent;
    }
  | {
      readonly action: 'delete';
      readonly index: string;
      readonly id: string;
      readonly version: bigint;
      readonly routing?: string;
      readonly event: ChangeEvent;
    }
  | {
      /** TRUNCATE: remove every document of the index older than the TRUNCATE (versioned deletes; newer documents stay). */
      readonly action: 'truncate';
      readonly index: string;
      readonly version: bigint;
      readonly event: ChangeEvent;
    };

/** Per-op outcome. `stale`: the index already held this or a newer version. `dead`: stored as a dead letter. */
export type OpOutcome = 'ok' | 'stale' | 'dead';

export interface WriteResult {
  readonly outcomes: readonly OpOutcome[];
  readonly ok: number;
  readonly stale: number;
  readonly dead: number;
  /** Items re-sent after a transient failure (429, 5xx, timeout, connection error). */
  readonly retried: number;
}

export interface Sink {
  /**
   * Accepts ops; resolves when every op is applied, stale or dead-lettered (never dropped). May wait before
   * accepting (backpressure). Transient failures are retried inside; it rejects only on abort.
   */
  write(ops: readonly IndexOp[], signal?: AbortSignal): Promise<WriteResult>;
  /** Sends what is buffered now and waits for it. */
  flush(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A unit of source progress. `position` is safe to checkpoint once `events` are all acknowledged. */
export interface Batch {
  readonly events: readonly ChangeEvent[];
  /** The position after this batch; undefined when the batch ends mid-transaction (not checkpointable). */
  readonly position: Position | undefined;
  /** Called by the pipeline after every event of this (and every earlier) batch has been acknowledged. */
  ack(): Promise<void>;
}

export interface Source {
  readonly name: string;
  /** Yields batches until the signal aborts; resumes after `from` (undefined: from the beginning/snapshot). */
  start(from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch>;
}

export interface Mapping {
  /** Tables this mapping handles, as `database.table`. */
  handles(database: string, table: string): boolean;
  toOps(ev: ChangeEvent): IndexOp[];
  /** Target index of a table, when mapped (for dead letters of rows that failed before becoming ops). */
  indexOf?(database: string, table: string): string | undefined;
  /**
   * Documents built from several tables (mappings[].relations): rebuilds, from the current rows, the
   * documents the batch's events affect and hands them to `ctx.write` page by page. Undefined when
   * nothing was written.
   */
  rebuild?(events: readonly ChangeEvent[], ctx: RebuildContext): Promise<WriteResult | undefined>;
}

/** What a rebuild writes through (the pipeline's sink). */
export interface RebuildContext {
  /** Hands a page of ops to the sink; resolves when they are applied (or stale / dead-lettered). */
  write(ops: IndexOp[]): Promise<WriteResult>;
  /** Waits until every op handed to the sink so far is applied (before an index look-up). */
  flush(): Promise<void>;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
  /**
   * Runs `task` after the batch is handed over, after every earlier background task: later batches
   * stream meanwhile, and the batch is acknowledged only once the task's writes are. Absent: run inline.
   */
  readonly background?: (task: () => Promise<WriteResult | undefined>) => void;
  /** Counts `write` in the batch's result without waiting for it now. Absent: await it. */
  readonly track?: (write: Promise<WriteResult>) => void;
  /**
   * The concrete index the writes go to when it is not the mapping's alias (a reindex's new index): the
   * index look-ups search it, not the alias, whose documents are another writer's.
   */
  readonly target?: string;
}

export interface CheckpointStore {
  load(pipeline: string): Promise<Position | undefined>;
  commit(pipeline: string, position: Position): Promise<void>;
  close(): Promise<void>;
}

export type DeadLetterKind = 'mapping' | 'rejected' | 'retries-exhausted' | 'conversion' | 'invalid-event';

export interface DeadLetterEntry {
  readonly id?: number;
  readonly pipeline: string;
  readonly index: string;
  readonly docId: string | null;
  readonly kind: DeadLetterKind;
  readonly error: string;
  readonly attempts: number;
  readonly event: ChangeEvent;
  readonly firstSeen?: Date;
  readonly lastSeen?: Date;
}

export interface DeadLetterFilter {
  pipeline?: string;
  index?: string;
  kind?: DeadLetterKind;
  ids?: readonly number[];
  /** Only entries with a greater id (paging in id order). */
  afterId?: number;
  limit?: number;
}

export interface DeadLetterStore {
  put(entry: DeadLetterEntry): Promise<number>;
  list(filter?: DeadLetterFilter): Promise<DeadLetterEntry[]>;
  counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>>;
  remove(ids: readonly number[]): Promise<number>;
}
