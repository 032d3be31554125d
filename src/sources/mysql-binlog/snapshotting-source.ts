import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import { backoffCeiling } from '../../core/backoff.js';
import type { ChangeEvent, Position } from '../../core/change-event.js';
import { errorMessage, isSynclineError } from '../../core/errors.js';
import type { Batch, Source } from '../../core/interfaces.js';
import { idle as sleep } from '../../core/timers.js';
import {
  type ChunkTable,
  describeChunkTable,
  estimateRows,
  readChunk,
  readMaxKey,
} from './snapshot/chunk-reader.js';
import { ChunkWindow } from './snapshot/chunk-window.js';
import {
  hasPendingWork,
  isSnapshotDone,
  newSnapshotState,
  progressOf,
  type SnapshotProgress,
  type SnapshotState,
} from './snapshot/snapshot-state.js';
import { SIGNAL_TABLE, WatermarkSignals } from './snapshot/watermark-signals.js';
import { listTables, splitTable, tableMatcher } from './table-patterns.js';

/** Retries of a failed chunk (server restarting, lock timeout): 200 ms doubling to 10 s. */
const CHUNK_RETRY = { initialMs: 200, maxMs: 10_000 };

/**
 * Test seam: awaited between a chunk's SELECT and its high watermark, i.e. inside the chunk's window, so a
 * test can write a change exactly there instead of hoping a concurrent writer hits the window.
 */
export const snapshotTestHooks: {
  insideWindow?: (chunk: { chunkId: string; table: string; rows: number }) => Promise<void>;
} = {};

/** Creates the streaming binlog source for the given table patterns (the signal table is added to them). */
export type StreamingFactory = (tables: readonly string[]) => Source;

export interface SnapshottingSourceOptions {
  name: string;
  pool: Pool;
  tables: readonly string[];
  internalDatabase: string;
  snapshot: 'initial' | 'never';
  chunkSize: number;
  onPurged: 'resnapshot' | 'stop';
  /** keyColumns per `db.table` for tables without a primary key. */
  keyColumns?: ReadonlyMap<string, readonly string[]>;
  streaming: StreamingFactory;
  /** The server's current position, used when there is no checkpoint. */
  currentPosition: () => Promise<Position>;
  logger: Logger;
  /**
   * A full snapshot of a table that started over documents it did not write has completed: remove the
   * table's documents below `belowVersion` (rows deleted before the snapshot started). Must be idempotent:
   * it runs again after a restart until it has finished once.
   */
  sweepTable?: (table: string, belowVersion: bigint) => Promise<void>;
  /** Whether the indexes of these tables already hold documents (then a fresh snapshot sweeps them). */
  indexHoldsDocuments?: (tables: readonly string[]) => Promise<boolean>;
}

/**
 * Binlog streaming with the DBLog / Flink CDC lock-free snapshot folded into the stream:
 * for each chunk, a low watermark row, a plain SELECT of the chunk, a high watermark row. The stream
 * strikes from the chunk every key it changes between the two watermarks, and emits the remaining rows
 * as 'r' events at the high watermark. Streaming never pauses; snapshot progress rides in the checkpoint,
 * so a crash resumes at the last completed chunk. A purged position triggers a fresh snapshot.
 */
export class SnapshottingBinlogSource implements Source {
  readonly name: string;
  private state: SnapshotState | undefined;
  private window: ChunkWindow | undefined;
  private readonly signals: WatermarkSignals;
  private readonly tableInfo = new Map<string, ChunkTable>();
  private readonly captures: (database: string, table: string) => boolean;
  private chunkSeq = 0;
  private lastProgressLog = 0;

  constructor(private readonly o: SnapshottingSourceOptions) {
    this.name = o.name;
    this.signals = new WatermarkSignals(o.pool, o.internalDatabase);
    this.captures = tableMatcher(o.tables);
  }

  private phaseValue: 'starting' | 'snapshot' | 'streaming' = 'starting';

  /** starting (position not resolved yet), snapshot (chunks pending), streaming (snapshot done or none). */
  get phase(): 'starting' | 'snapshot' | 'streaming' {
    if (this.phaseValue === 'starting') return 'starting';
    return isSnapshotDone(this.state) ? 'streaming' : 'snapshot';
  }

  get snapshotProgress(): SnapshotProgress | undefined {
    return isSnapshotDone(this.state) ? undefined : progressOf(this.state);
  }

  /** Re-snapshot a table (or a key range of it) while streaming goes on; picked up through the binlog. */
  async requestResnapshot(
    table: string,
    range?: { fromKey?: unknown[]; untilKey?: unknown[] },
  ): Promise<void> {
    await this.signals.write({ kind: 'resnapshot', chunkId: `req-${Date.now()}`, table, ...range });
  }

  async *start(from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch> {
    await this.signals.ensure();
    let resume = from;
    for (;;) {
      try {
        yield* this.run(resume, signal);
        return;
      } catch (e) {
        if (!isSynclineError(e, 'POSITION_PURGED') || this.o.onPurged === 'stop' || signal.aborted) throw e;
        this.o.logger.error(
          { source: this.name, err: errorMessage(e) },
          `${this.name}: checkpoint position is no longer in the binlog; re-snapshotting every table (onPurged: resnapshot)`,
        );
        this.purgedResnapshots += 1;
        this.afterPurge = true;
        resume = undefined;
      }
    }
  }

  /** Times the source fell back to a full re-snapshot because its position was purged (a metric). */
  purgedResnapshots = 0;
  private afterPurge = false;

  private async *run(from: Position | undefined, signal: AbortSignal): AsyncGenerator<Batch> {
    let start = from;
    if (start === undefined) {
      start = await this.o.currentPosition();
      const tables = this.o.snapshot === 'initial' ? await listTables(this.o.pool, this.o.tables) : [];
      this.state = tables.length
        ? newSnapshotState(tables, await estimateRows(this.o.pool, tables))
        : undefined;
      // Documents this snapshot did not write (a purged position, or an earlier run killed before its first
      // checkpoint) may belong to rows deleted since: swept once each table's snapshot completes.
      if (
        this.state &&
        this.o.sweepTable &&
        (this.afterPurge || (await this.o.indexHoldsDocuments?.(tables)) === true)
      ) {
        this.state.sweepBelow = start.version.toString();
        this.state.sweepTables = [...tables];
      }
      this.afterPurge = false;
      if (this.state) {
        this.o.logger.info(
          { source: this.name, tables, estimatedRows: this.state.estimatedRows },
          `${this.name}: snapshot of ${tables.length} table(s) starts, streaming from ${start.label}`,
        );
      }
    } else {
      this.state = (start.checkpoint.snapshot as SnapshotState | undefined) ?? undefined;
      for (const t of this.state?.sweepPending ?? []) this.sweep(t);
      if (this.state && !isSnapshotDone(this.state)) {
        this.state = { ...this.state, startedAtMs: Date.now(), rowsDone: this.state.rowsDone };
        this.o.logger.info(
          { source: this.name, table: this.state.queue[0], lastKey: this.state.lastKey },
          `${this.name}: resuming the snapshot after the last completed chunk`,
        );
      }
    }
    this.phaseValue = 'snapshot';
    const chunker = new AbortController();
    const onAbort = () => chunker.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const streaming = this.o.streaming([...this.o.tables, `${this.o.internalDatabase}.${SIGNAL_TABLE}`]);
    const chunking = this.chunkLoop(chunker.signal);
    chunking.catch(() => {});
    try {
      for await (const batch of streaming.start(start, signal)) {
        const out: ChangeEvent[] = [];
        for (const ev of batch.events) {
          if (ev.source.database === this.o.internalDatabase && ev.source.table === SIGNAL_TABLE) {
            if (ev.op === 'c') out.push(...this.onSignal(ev));
            continue;
          }
          this.window?.onStreamEvent(ev);
          out.push(ev);
        }
        yield {
          events: out,
          position: batch.position && this.withState(batch.position),
          ack: () => batch.ack(),
        };
        if (chunking.failed) throw chunking.failed;
      }
    } finally {
      chunker.abort();
      signal.removeEventListener('abort', onAbort);
      await chunking.catch(() => {});
    }
  }

  private withState(p: Position): Position {
    if (this.state === undefined && p.checkpoint.snapshot === undefined) return p;
    return {
      ...p,
      checkpoint: { ...p.checkpoint, snapshot: hasPendingWork(this.state) ? this.state : undefined },
    };
  }

  /** A row of the signal table seen in the stream. Returns the snapshot events it releases. */
  private onSignal(ev: ChangeEvent): ChangeEvent[] {
    const s = WatermarkSignals.parse(ev.after);
    if (!s) return [];
    if (s.kind === 'resnapshot') {
      // The signal table is shared by every pipeline on this server: take only requests for our tables.
      const { database, table } = splitTable(s.table);
      if (this.captures(database, table)) this.enqueue(s.table, s.fromKey ?? null, s.untilKey ?? null);
      return [];
    }
    const w = this.window;
    if (!w || w.chunkId !== s.chunkId) return []; // a watermark from before a restart
    if (s.kind === 'low') {
      w.onLow();
      return [];
    }
    const events = w.complete(ev.source.position, ev.source.tsMs);
    this.advance(w);
    this.window = undefined;
    return events;
  }

  private enqueue(table: string, fromKey: unknown[] | null, untilKey: unknown[] | null): void {
    this.o.logger.info(
      { source: this.name, table, fromKey, untilKey },
      `${this.name}: re-snapshot of ${table} requested`,
    );
    if (!this.state || isSnapshotDone(this.state)) {
      const { sweepBelow, sweepPending } = this.state ?? {};
      this.state = {
        ...newSnapshotState([table], 0),
        lastKey: fromKey,
        untilKey,
        bounded: untilKey !== null,
        ...(sweepPending?.length && { sweepBelow, sweepPending }),
      };
      return;
    }
    if (!this.state.queue.includes(table))
      this.state = { ...this.state, queue: [...this.state.queue, table] };
  }

  /** Chunk done: move the cursor (the checkpoint taken with this batch carries it). */
  private advance(w: ChunkWindow): void {
    const o = w.outcome!;
    const s = this.state!;
    if (o.done) this.finishTable(o.passed);
    else this.state = { ...s, lastKey: o.cursor, rowsDone: s.rowsDone + o.passed };
    const now = Date.now();
    if (now - this.lastProgressLog > 5000) {
      this.lastProgressLog = now;
      const p = progressOf(this.state);
      if (p?.table)
        this.o.logger.info(
          { source: this.name, progress: p },
          `${this.name}: snapshot ${p.table} ${p.rowsDone}/${p.estimatedRows} rows, ${p.rowsPerSecond}/s, ETA ${p.etaSeconds ?? '?'} s`,
        );
    }
  }

  /** queue[0] has been read up to its bound: next table, and its orphan sweep when one is due. */
  private finishTable(passed: number): void {
    const s = this.state!;
    const [doneTable, ...rest] = s.queue;
    this.state = {
      ...s,
      queue: rest,
      lastKey: null,
      untilKey: null,
      bounded: false,
      rowsDone: s.rowsDone + passed,
      completed: [...s.completed, doneTable!],
    };
    this.o.logger.info(
      { source: this.name, table: doneTable },
      `${this.name}: snapshot of ${doneTable} complete`,
    );
    if (s.sweepBelow !== undefined && s.sweepTables?.includes(doneTable!)) {
      this.state = {
        ...this.state,
        sweepTables: s.sweepTables.filter((t) => t !== doneTable),
        sweepPending: [...(s.sweepPending ?? []), doneTable!],
      };
      this.sweep(doneTable!);
    }
    if (rest.length === 0)
      this.o.logger.info({ source: this.name, rows: this.state.rowsDone }, `${this.name}: snapshot complete`);
  }

  /**
   * Removes the table's documents below the snapshot's start version in the background; once done, the
   * table leaves `sweepPending` (so the next checkpoint forgets it). A restart before that sweeps again.
   */
  private sweep(table: string): void {
    const below = this.state?.sweepBelow;
    if (below === undefined || !this.o.sweepTable) return;
    this.o
      .sweepTable(table, BigInt(below))
      .then(() => {
        const s = this.state;
        if (s?.sweepPending) this.state = { ...s, sweepPending: s.sweepPending.filter((t) => t !== table) };
      })
      .catch((e: unknown) =>
        this.o.logger.error(
          { source: this.name, table, err: errorMessage(e) },
          `${this.name}: orphan sweep of ${table} failed (retried after a restart); \`syncline reconcile --repair\` repairs it now`,
        ),
      );
  }

  /** Reads chunks one at a time while the stream runs; each waits for its high watermark to pass. */
  private chunkLoop(signal: AbortSignal): Promise<void> & { failed?: unknown } {
    const box: { failed?: unknown } = {};
    const p = (async () => {
      let failures = 0;
      while (!signal.aborted) {
        if (isSnapshotDone(this.state)) {
          await sleep(200, signal);
          continue;
        }
        const qualified = this.state!.queue[0]!;
        try {
          const table = await this.describe(qualified);
          if (!this.state!.bounded && !this.state!.untilKey) {
            // The bound is fixed once per table and kept in the checkpoint; queue[0] cannot change
            // meanwhile (only a completed chunk moves it), but a re-snapshot request may append to the queue.
            const max = await readMaxKey(this.o.pool, table);
            if (max === null) {
              this.finishTable(0);
              continue;
            }
            this.state = { ...this.state!, bounded: true, untilKey: max };
          }
          const { lastKey: after, untilKey } = this.state!;
          const w = new ChunkWindow(`${process.pid}-${Date.now()}-${++this.chunkSeq}`, table);
          this.window = w;
          await this.signals.write({ kind: 'low', chunkId: w.chunkId, table: qualified });
          const { rows } = await readChunk(this.o.pool, table, after, this.o.chunkSize, untilKey);
          w.setRows(rows, this.o.chunkSize, after);
          await snapshotTestHooks.insideWindow?.({ chunkId: w.chunkId, table: qualified, rows: rows.length });
          await this.signals.write({ kind: 'high', chunkId: w.chunkId, table: qualified });
          await settledOrAborted(w.done, signal);
          failures = 0;
        } catch (e) {
          if (signal.aborted) return;
          if (isSynclineError(e, 'NO_PRIMARY_KEY')) {
            box.failed = e;
            return;
          }
          this.window = undefined;
          this.o.logger.warn(
            { source: this.name, err: errorMessage(e) },
            `${this.name}: snapshot chunk failed; retrying`,
          );
          await sleep(backoffCeiling(failures++, CHUNK_RETRY), signal);
        }
      }
    })();
    return Object.defineProperty(p, 'failed', { get: () => box.failed }) as Promise<void> & {
      failed?: unknown;
    };
  }

  private async describe(qualified: string): Promise<ChunkTable> {
    let t = this.tableInfo.get(qualified);
    if (!t) {
      t = await describeChunkTable(this.o.pool, qualified, this.o.keyColumns?.get(qualified));
      this.tableInfo.set(qualified, t);
    }
    return t;
  }
}

/** Waits for p, or returns early when the signal aborts (the listener is removed either way). */
function settledOrAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    p.then(done, done);
  });
}

export { splitTable };
