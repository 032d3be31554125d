import { type Logger, pino } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import { fullJitter } from '../../core/backoff.js';
import { ErrorCodes, errorMessage } from '../../core/errors.js';
import type {
  DeadLetterKind,
  DeadLetterStore,
  IndexOp,
  OpOutcome,
  Sink,
  WriteResult,
} from '../../core/interfaces.js';
import { abortError, sleep } from '../../core/timers.js';
import {
  classifyItems,
  classifyStatus,
  classifyTransportError,
  type ItemVerdict,
  type RequestVerdict,
} from './bulk-response.js';
import type { SearchClient } from './client.js';
import { detectEngine, type EngineProfile } from './engine-compat.js';
import { bulkBodyBytes, type EncodedOp, encodeOp, TRUNCATE_BYTES } from './request-builder.js';
import { attemptsExhausted, type BackoffPolicy, RetryState } from './retry-logic.js';
import { truncateBelowVersion } from './versioned-truncate.js';

/**
 * The `_bulk` sink: a buffer of accepted ops, a dispatcher that cuts batches (maxDocs / maxBytes /
 * lingerMs) and keeps at most `concurrency` requests in flight, per-item classification, retry of only
 * the failed items after a jittered backoff, and dead-lettering of what the engine refuses for good.
 *
 * Invariants:
 * - An accepted op is settled exactly once: ok, stale (the index already had it or newer) or dead (the
 *   dead-letter store confirmed the put). Nothing else resolves a write.
 * - bufferedBytes (encoded bytes accepted but not settled) never exceeds maxBufferedBytes, except by a
 *   single op larger than the whole budget, admitted alone. Producers wait in FIFO order.
 * - A truncate is a barrier: everything accepted before it settles first, nothing after it is sent
 *   until it has completed.
 */

export interface BulkSinkOptions {
  readonly client: SearchClient;
  readonly config: SinkConfig;
  readonly deadLetters: DeadLetterStore;
  readonly pipeline: string;
  readonly logger?: Logger;
  /** Called after every answered `_bulk` request (metrics hook). */
  readonly onBulk?: (latencyMs: number, items: number) => void;
  /** Stops the sink: pending writes reject, retries and waits end, in-flight requests are cancelled. */
  readonly signal?: AbortSignal;
  /** Jitter source, for tests. */
  readonly random?: () => number;
}

/** What a producer holds once its ops are accepted into the buffer. */
export interface PendingWrite {
  /** Settles when every op is ok, stale or dead-lettered; rejects only when aborted. */
  readonly result: Promise<WriteResult>;
}

/** Upper bounds (ms) of the bulk latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const LATENCY_SAMPLES = 512;

export interface SinkCounters {
  /** Ops accepted by write()/submit(). */
  eventsIn: number;
  docsOk: number;
  stale: number;
  dead: number;
  /** Item re-sends after a transient failure (an item retried 3 times counts 3). */
  retriedItems: number;
  /** Backoff rounds (one per failed request or per group of failed items). */
  retryRounds: number;
  /** `_bulk` requests sent, including ones that failed as a whole. */
  bulkRequests: number;
  /** `_bulk` requests that failed as a whole (transport error or non-2xx). */
  bulkFailures: number;
  truncates: number;
  /** Request body bytes sent to `_bulk`. */
  bytesSent: number;
  dlqPutFailures: number;
  /** Times a producer had to wait for buffer space, and the total time it waited. */
  backpressureWaits: number;
  backpressureWaitMs: number;
  bulkLatency: {
    count: number;
    sumMs: number;
    maxMs: number;
    /** Non-cumulative counts per LATENCY_BUCKETS_MS bucket, plus one +Inf bucket at the end. */
    buckets: number[];
    /** The most recent latencies (ring buffer of LATENCY_SAMPLES; `samplesNext` is the write index). */
    samples: number[];
    samplesNext: number;
  };
}

type EntryState = 'queued' | 'inflight' | 'delayed' | 'dlq' | 'done' | 'dropped';

interface Entry {
  readonly op: IndexOp;
  readonly enc: EncodedOp | undefined;
  readonly bytes: number;
  readonly group: Group;
  readonly slot: number;
  readonly enqueuedAt: number;
  state: EntryState;
  inReady: boolean;
  attempts: number;
}

class Group {
  readonly outcomes: OpOutcome[];
  readonly entries: Entry[] = [];
  remaining: number;
  ok = 0;
  stale = 0;
  dead = 0;
  retried = 0;
  finished = false;
  aborted = false;
  readonly result: Promise<WriteResult>;
  /** Resolves when the group is finished or aborted; never rejects (flush waits on it). */
  readonly done: Promise<void>;
  private resolveResult!: (r: WriteResult) => void;
  private rejectResult!: (e: unknown) => void;
  private resolveDone!: () => void;
  cleanup: (() => void) | undefined;

  constructor(size: number) {
    this.outcomes = new Array<OpOutcome>(size);
    this.remaining = size;
    this.result = new Promise<WriteResult>((res, rej) => {
      this.resolveResult = res;
      this.rejectResult = rej;
    });
    // A producer that never awaits an aborted write must not crash the process.
    this.result.catch(() => {});
    this.done = new Promise<void>((res) => {
      this.resolveDone = res;
    });
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.cleanup?.();
    const { outcomes, ok, stale, dead, retried } = this;
    this.resolveResult({ outcomes, ok, stale, dead, retried });
    this.resolveDone();
  }

  abort(reason: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.aborted = true;
    this.cleanup?.();
    this.rejectResult(reason);
    this.resolveDone();
  }
}

/** Array-backed FIFO with O(1) shift (compacts occasionally). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

interface SpaceWaiter {
  readonly bytes: number;
  readonly since: number;
  resolve(): void;
  reject(e: unknown): void;
}

export class BulkSink implements Sink {
  readonly counters: SinkCounters = {
    eventsIn: 0,
    docsOk: 0,
    stale: 0,
    dead: 0,
    retriedItems: 0,
    retryRounds: 0,
    bulkRequests: 0,
    bulkFailures: 0,
    truncates: 0,
    bytesSent: 0,
    dlqPutFailures: 0,
    backpressureWaits: 0,
    backpressureWaitMs: 0,
    bulkLatency: {
      count: 0,
      sumMs: 0,
      maxMs: 0,
      buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
      samples: [],
      samplesNext: 0,
    },
  };

  private readonly client: SearchClient;
  private readonly config: SinkConfig;
  private readonly deadLetters: DeadLetterStore;
  private readonly pipeline: string;
  private readonly log: Logger;
  private readonly onBulk: ((latencyMs: number, items: number) => void) | undefined;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private readonly stop = new AbortController();

  private readonly ready = new Fifo<Entry>();
  private readyDocs = 0;
  private readyBytes = 0;
  private truncatesQueued = 0;
  /** Failed items whose backoff has elapsed, sent as their own batches (split halves too). */
  private readonly retryBatches = new Fifo<Entry[]>();
  private delayedItems = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly groups = new Set<Group>();
  private readonly waiters: SpaceWaiter[] = [];
  /** Settles when the write being accepted (and every one called before it) is fully queued. */
  private accepting: Promise<void> | undefined;

  private buffered = 0;
  private highWater = 0;
  private inFlightCount = 0;
  private truncating = false;
  private forcing = 0;
  private closing = false;
  private closed = false;
  private pumpScheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lingerAt = 0;
  /** Lowered after a 413 so later batches fit the engine's http.max_content_length. */
  private maxBatchBytes: number;
  private profilePromise: Promise<EngineProfile> | undefined;

  constructor(opts: BulkSinkOptions) {
    this.client = opts.client;
    this.config = opts.config;
    this.deadLetters = opts.deadLetters;
    this.pipeline = opts.pipeline;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({
      component: 'bulk-sink',
      pipeline: opts.pipeline,
    });
    this.onBulk = opts.onBulk;
    this.random = opts.random ?? Math.random;
    this.policy = opts.config.retry;
    this.maxBatchBytes = opts.config.batch.maxBytes;
    if (opts.signal) {
      if (opts.signal.aborted) this.stop.abort(opts.signal.reason);
      else opts.signal.addEventListener('abort', () => this.stop.abort(opts.signal?.reason), { once: true });
    }
    this.stop.signal.addEventListener('abort', () => this.shutdown(), { once: true });
  }

  /** Encoded bytes accepted but not yet settled. */
  get bufferedBytes(): number {
    return this.buffered;
  }
  /** Highest bufferedBytes seen. */
  get highWaterBytes(): number {
    return this.highWater;
  }
  get inFlight(): number {
    return this.inFlightCount;
  }
  /** Producers currently waiting for buffer space. */
  get waitingProducers(): number {
    return this.waiters.length;
  }
  /** The detected engine, once the first request has been made. */
  async engine(): Promise<EngineProfile> {
    return this.profile();
  }

  async write(ops: readonly IndexOp[], signal?: AbortSignal): Promise<WriteResult> {
    const pending = await this.submit(ops, signal);
    return pending.result;
  }

  /**
   * Accepts ops into the buffer, waiting for space when the buffer is full (backpressure), and returns
   * as soon as all of them are accepted; `result` settles when they are all acknowledged. A source can
   * keep several submits outstanding and is slowed exactly by the sink's pace.
   */
  async submit(ops: readonly IndexOp[], signal?: AbortSignal): Promise<PendingWrite> {
    if (this.closing || this.closed) throw new Error('bulk sink is closed');
    if (this.stop.signal.aborted) throw abortError(this.stop.signal);
    if (signal?.aborted) throw abortError(signal);
    const g = new Group(ops.length);
    if (ops.length === 0) {
      g.finish();
      return { result: g.result };
    }
    this.groups.add(g);
    if (signal) {
      const onAbort = () => this.abortGroup(g, abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      g.cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        this.groups.delete(g);
      };
    } else {
      g.cleanup = () => this.groups.delete(g);
    }

    // Writes are accepted in call order: a write called while an earlier one waits for space waits
    // behind all of it, else its ops (a TRUNCATE) could be queued between the earlier write's ops.
    const earlier = this.accepting;
    let accepted!: () => void;
    const mine = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    this.accepting = mine;
    try {
      if (earlier) {
        try {
          await raceAbort(earlier, signal);
        } catch (e) {
          this.abortGroup(g, e);
          throw e;
        }
        if (this.stop.signal.aborted) {
          this.abortGroup(g, abortError(this.stop.signal));
          throw abortError(this.stop.signal);
        }
      }
      await this.accept(g, ops, signal);
    } finally {
      accepted();
      if (this.accepting === mine) this.accepting = undefined;
    }
    this.schedulePump();
    return { result: g.result };
  }

  /** Takes buffer space for each op (waiting when full) and queues it. */
  private async accept(g: Group, ops: readonly IndexOp[], signal: AbortSignal | undefined): Promise<void> {
    for (let slot = 0; slot < ops.length; slot++) {
      const op = ops[slot]!;
      let enc: EncodedOp | undefined;
      let invalid: string | undefined;
      let bytes = TRUNCATE_BYTES;
      if (op.action !== 'truncate') {
        try {
          enc = encodeOp(op);
          bytes = enc.bytes;
        } catch (e) {
          invalid = errorMessage(e);
        }
      }
      const wait = this.reserve(bytes, signal);
      if (wait) {
        this.schedulePump();
        try {
          await wait;
        } catch (e) {
          this.abortGroup(g, e);
          throw e;
        }
      }
      if (g.aborted) {
        this.release(bytes);
        throw signal?.aborted ? abortError(signal) : abortError(this.stop.signal);
      }
      const entry: Entry = {
        op,
        enc,
        bytes,
        group: g,
        slot,
        enqueuedAt: performance.now(),
        state: 'queued',
        inReady: false,
        attempts: 0,
      };
      g.entries.push(entry);
      this.counters.eventsIn++;
      if (invalid !== undefined) {
        void this.deadLetter(entry, 'rejected', `invalid operation: ${invalid}`);
        continue;
      }
      entry.inReady = true;
      this.ready.push(entry);
      if (op.action === 'truncate') this.truncatesQueued++;
      else {
        this.readyDocs++;
        this.readyBytes += bytes;
      }
    }
  }

  /** Sends everything accepted so far without waiting for the linger, and waits until it is settled. */
  async flush(signal?: AbortSignal): Promise<void> {
    const pending = [...this.groups].map((g) => g.done);
    if (pending.length === 0) return;
    this.forcing++;
    this.schedulePump();
    try {
      await raceAbort(Promise.all(pending), signal);
    } finally {
      this.forcing--;
    }
  }

  /** Graceful: refuses new writes, sends everything buffered and waits for it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.schedulePump();
    while (this.groups.size > 0 && !this.stop.signal.aborted) {
      await this.flush(this.stop.signal).catch(() => {});
    }
    this.closed = true;
    this.clearTimers();
  }

  // ---- buffer accounting -------------------------------------------------------------------------

  private reserve(bytes: number, signal: AbortSignal | undefined): Promise<void> | undefined {
    const max = this.config.maxBufferedBytes;
    if (this.waiters.length === 0 && (this.buffered === 0 || this.buffered + bytes <= max)) {
      this.take(bytes);
      return undefined;
    }
    this.counters.backpressureWaits++;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal!));
        this.wake();
      };
      const w: SpaceWaiter = {
        bytes,
        since: performance.now(),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          this.counters.backpressureWaitMs += performance.now() - w.since;
          resolve();
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  private take(bytes: number): void {
    this.buffered += bytes;
    if (this.buffered > this.highWater) this.highWater = this.buffered;
  }

  private release(bytes: number): void {
    this.buffered -= bytes;
    this.wake();
  }

  private wake(): void {
    const max = this.config.maxBufferedBytes;
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (this.buffered !== 0 && this.buffered + w.bytes > max) break;
      this.waiters.shift();
      this.take(w.bytes);
      w.resolve();
    }
  }

  // ---- dispatch ----------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stop.signal.aborted) return;
    const { maxDocs, lingerMs } = this.config.batch;
    while (this.inFlightCount < this.config.concurrency && !this.truncating) {
      const retry = this.retryBatches.shift();
      if (retry) {
        const live = retry.filter((e) => e.state === 'queued');
        if (live.length > 0) this.sendBulk(live);
        continue;
      }
      const head = this.peekReady();
      if (!head) return;
      if (head.op.action === 'truncate') {
        // Barrier: whatever came before it must be settled on the index first.
        if (this.inFlightCount > 0 || this.delayedItems > 0) return;
        this.ready.shift();
        head.inReady = false;
        this.truncatesQueued--;
        this.startTruncate(head);
        return;
      }
      const now = performance.now();
      const due =
        lingerMs === 0 ||
        this.forcing > 0 ||
        this.closing ||
        this.truncatesQueued > 0 ||
        this.waiters.length > 0 ||
        this.readyDocs >= maxDocs ||
        this.readyBytes >= this.maxBatchBytes ||
        now - head.enqueuedAt >= lingerMs;
      if (!due) {
        this.armLinger(head.enqueuedAt + lingerMs);
        return;
      }
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.sendBulk(batch);
    }
  }

  private peekReady(): Entry | undefined {
    for (;;) {
      const e = this.ready.peek();
      if (e?.state !== 'dropped') return e;
      this.ready.shift();
    }
  }

  private takeBatch(): Entry[] {
    const { maxDocs } = this.config.batch;
    const batch: Entry[] = [];
    let bytes = 0;
    while (batch.length < maxDocs) {
      const e = this.peekReady();
      if (!e || e.op.action === 'truncate') break;
      if (batch.length > 0 && bytes + e.bytes > this.maxBatchBytes) break;
      this.ready.shift();
      e.inReady = false;
      this.readyDocs--;
      this.readyBytes -= e.bytes;
      batch.push(e);
      bytes += e.bytes;
    }
    return batch;
  }

  private armLinger(at: number): void {
    if (this.lingerTimer && this.lingerAt <= at) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerAt = at;
    this.lingerTimer = setTimeout(
      () => {
        this.lingerTimer = undefined;
        this.pump();
      },
      Math.max(0, Math.ceil(at - performance.now())),
    );
  }

  private profile(): Promise<EngineProfile> {
    if (!this.profilePromise) {
      this.profilePromise = detectEngine(this.client);
      this.profilePromise.then(
        (p) => this.log.debug({ engine: p.info.engine, version: p.info.version }, 'search engine detected'),
        () => {
          this.profilePromise = undefined;
        },
      );
    }
    return this.profilePromise;
  }

  // ---- bulk requests -----------------------------------------------------------------------------

  private sendBulk(batch: Entry[]): void {
    this.inFlightCount++;
    for (const e of batch) {
      e.state = 'inflight';
      e.attempts++;
    }
    void this.runBulk(batch)
      .catch((e) => this.log.error({ err: e, code: ErrorCodes.INTERNAL.code }, 'bulk dispatch failed'))
      .finally(() => {
        this.inFlightCount--;
        this.schedulePump();
      });
  }

  private async runBulk(batch: Entry[]): Promise<void> {
    const encoded = batch.map((e) => e.enc!);
    let profile: EngineProfile;
    try {
      profile = await this.profile();
    } catch (e) {
      this.onRequestFailed(batch, { kind: 'retry', reason: `engine unreachable: ${errorMessage(e)}` });
      return;
    }
    const body = bulkBodyBytes(encoded);
    const bodyBytes = body.length;
    this.counters.bulkRequests++;
    this.counters.bytesSent += bodyBytes;
    const t0 = performance.now();
    let res: Awaited<ReturnType<SearchClient['request']>>;
    try {
      res = await this.client.request('POST', `/_bulk${profile.bulkQuery(this.config.refresh)}`, body, {
        contentType: profile.bulkContentType,
        signal: this.stop.signal,
      });
    } catch (e) {
      if (this.stop.signal.aborted) {
        for (const entry of batch) this.drop(entry);
        return;
      }
      this.counters.bulkFailures++;
      this.onRequestFailed(batch, classifyTransportError(e));
      return;
    }
    this.recordLatency(performance.now() - t0, batch.length);
    const verdict = classifyStatus(res.status, res.body);
    if (verdict.kind !== 'items') {
      this.counters.bulkFailures++;
      this.onRequestFailed(batch, verdict, bodyBytes);
      return;
    }
    const verdicts = classifyItems(
      encoded.map((e) => e.action),
      res.body,
    );
    if (!verdicts) {
      this.counters.bulkFailures++;
      this.log.error(
        { code: ErrorCodes.SINK_UNREACHABLE.code, status: res.status },
        '_bulk response does not match the request; retrying the whole batch',
      );
      this.onRequestFailed(batch, { kind: 'retry', reason: 'malformed _bulk response' });
      return;
    }
    const retry: Entry[] = [];
    const reasons: Record<string, number> = {};
    const dead: Array<{ e: Entry; v: Extract<ItemVerdict, { kind: 'dead' }> }> = [];
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      const v = verdicts[i]!;
      if (v.kind === 'ok' || v.kind === 'stale') this.settle(e, v.kind);
      else if (v.kind === 'retry') {
        retry.push(e);
        reasons[v.reason] = (reasons[v.reason] ?? 0) + 1;
      } else dead.push({ e, v });
    }
    if (retry.length > 0) this.retryLater(retry, reasons);
    if (dead.length > 0) {
      const kinds: Record<string, number> = {};
      for (const { v } of dead) kinds[v.deadKind] = (kinds[v.deadKind] ?? 0) + 1;
      this.log.warn(
        { code: ErrorCodes.SINK_REJECTED.code, items: dead.length, kinds, first: dead[0]!.v.error },
        'bulk items rejected; storing them as dead letters',
      );
      void this.deadLetterAll(dead.map(({ e, v }) => ({ e, kind: v.deadKind, error: v.error })));
    }
  }

  private onRequestFailed(batch: Entry[], v: RequestVerdict, bodyBytes = 0): void {
    if (v.kind === 'retry') {
      this.retryLater(batch, { [v.reason]: batch.length });
      return;
    }
    if (v.kind === 'split') {
      if (batch.length === 1) {
        const e = batch[0]!;
        this.log.warn(
          { code: ErrorCodes.SINK_REJECTED.code, docId: docId(e.op), error: v.error },
          'request refused for a single document; storing it as a dead letter',
        );
        void this.deadLetter(e, 'rejected', v.error);
        return;
      }
      if (v.reason.startsWith('413') && bodyBytes > 0) {
        const next = Math.max(1024, Math.floor(bodyBytes / 2));
        if (next < this.maxBatchBytes) {
          this.maxBatchBytes = next;
          this.log.warn(
            { maxBytes: next, configured: this.config.batch.maxBytes },
            '413 from the engine: lowering the batch size limit; set sink.batch.maxBytes below http.max_content_length',
          );
        }
      }
      // Not the items' fault: a split is not an attempt.
      const mid = Math.ceil(batch.length / 2);
      for (const e of batch) {
        e.attempts--;
        e.state = 'queued';
      }
      this.retryBatches.push(batch.slice(0, mid));
      this.retryBatches.push(batch.slice(mid));
      this.log.debug(
        { items: batch.length, reason: v.reason },
        'bulk request refused as a whole; splitting it',
      );
    }
  }

  /** Re-queues transiently failed items after one backoff, or dead-letters those out of attempts. */
  private retryLater(items: Entry[], reasons: Record<string, number>): void {
    const live: Entry[] = [];
    const lastReason = Object.keys(reasons).join(', ');
    for (const e of items) {
      if (e.group.aborted) this.drop(e);
      else if (attemptsExhausted(e.attempts, this.policy)) {
        void this.deadLetter(e, 'retries-exhausted', `gave up after ${e.attempts} attempts: ${lastReason}`);
      } else live.push(e);
    }
    if (live.length === 0) return;
    let attempt = 0;
    for (const e of live) {
      if (e.attempts > attempt) attempt = e.attempts;
      e.state = 'delayed';
      e.group.retried++;
    }
    const delayMs = fullJitter(attempt - 1, this.policy, this.random);
    this.counters.retriedItems += live.length;
    this.counters.retryRounds++;
    this.delayedItems += live.length;
    this.log.warn(
      { code: ErrorCodes.SINK_UNREACHABLE.code, items: live.length, attempt, delayMs, reasons },
      'bulk items failed transiently; retrying after backoff',
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayedItems -= live.length;
      const due = live.filter((e) => e.state === 'delayed');
      for (const e of due) e.state = 'queued';
      if (due.length > 0) this.retryBatches.push(due);
      this.schedulePump();
    }, delayMs);
    this.timers.add(timer);
  }

  // ---- truncate ----------------------------------------------------------------------------------

  private startTruncate(e: Entry): void {
    this.truncating = true;
    this.inFlightCount++;
    e.state = 'inflight';
    void this.runTruncate(e)
      .catch((err) => this.log.error({ err, code: ErrorCodes.INTERNAL.code }, 'truncate failed'))
      .finally(() => {
        this.truncating = false;
        this.inFlightCount--;
        this.schedulePump();
      });
  }

  /** Removes the documents below the truncate's version (versioned-truncate.ts); retried inside. */
  private async runTruncate(e: Entry): Promise<void> {
    const { op } = e;
    const index = op.index;
    for (;;) {
      if (e.group.aborted) {
        this.drop(e);
        return;
      }
      e.attempts++;
      let verdict: RequestVerdict;
      let kept = 0;
      try {
        const outcome = await truncateBelowVersion({
          client: this.client,
          profile: await this.profile(),
          index,
          version: op.version,
          event: op.event,
          log: this.log,
          signal: this.stop.signal,
        });
        verdict = outcome.verdict;
        kept = outcome.kept;
      } catch (err) {
        verdict = classifyTransportError(err);
      }
      if (this.stop.signal.aborted) return;
      if (verdict.kind === 'items') {
        this.counters.truncates++;
        this.log.info({ index, kept }, 'index truncated');
        this.settle(e, 'ok');
        return;
      }
      if (verdict.kind === 'split') {
        void this.deadLetter(e, 'rejected', verdict.error);
        return;
      }
      if (attemptsExhausted(e.attempts, this.policy)) {
        void this.deadLetter(
          e,
          'retries-exhausted',
          `gave up after ${e.attempts} attempts: ${verdict.reason}`,
        );
        return;
      }
      const delayMs = fullJitter(e.attempts - 1, this.policy, this.random);
      e.group.retried++;
      this.counters.retriedItems++;
      this.counters.retryRounds++;
      this.log.warn(
        {
          code: ErrorCodes.SINK_UNREACHABLE.code,
          index,
          attempt: e.attempts,
          delayMs,
          reason: verdict.reason,
        },
        'truncate failed transiently; retrying after backoff',
      );
      try {
        await sleep(delayMs, this.stop.signal);
      } catch {
        return;
      }
    }
  }

  // ---- dead letters ------------------------------------------------------------------------------

  private async deadLetterAll(list: Array<{ e: Entry; kind: DeadLetterKind; error: string }>): Promise<void> {
    for (const { e } of list) e.state = 'dlq';
    // One at a time: a burst of rejected documents should not open a burst of store connections.
    for (const { e, kind, error } of list) await this.deadLetter(e, kind, error);
  }

  /** Stores the op as a dead letter, retrying the store until it confirms; only then is the op settled. */
  private async deadLetter(e: Entry, kind: DeadLetterKind, error: string): Promise<void> {
    e.state = 'dlq';
    const retry = new RetryState({ ...this.policy, maxAttempts: 0 }, this.random);
    for (;;) {
      if (e.state !== 'dlq' || this.stop.signal.aborted) return;
      try {
        await this.deadLetters.put({
          pipeline: this.pipeline,
          index: e.op.index,
          docId: docId(e.op),
          kind,
          error,
          attempts: e.attempts,
          event: e.op.event,
        });
        this.settle(e, 'dead');
        return;
      } catch (err) {
        this.counters.dlqPutFailures++;
        const delayMs = retry.failed();
        this.log.warn(
          { err: errorMessage(err), docId: docId(e.op), attempt: retry.attempts, delayMs },
          'dead-letter store failed; retrying the put',
        );
        try {
          await sleep(delayMs, this.stop.signal);
        } catch {
          return;
        }
      }
    }
  }

  // ---- settlement --------------------------------------------------------------------------------

  private settle(e: Entry, outcome: OpOutcome): void {
    if (e.state === 'done' || e.state === 'dropped') return;
    e.state = 'done';
    this.release(e.bytes);
    if (outcome === 'ok') this.counters.docsOk++;
    else if (outcome === 'stale') this.counters.stale++;
    else this.counters.dead++;
    const g = e.group;
    g.outcomes[e.slot] = outcome;
    g[outcome]++;
    if (--g.remaining === 0) g.finish();
  }

  /** Forgets an op whose write was aborted: the source replays it from its checkpoint. */
  private drop(e: Entry): void {
    if (e.state === 'done' || e.state === 'dropped') return;
    if (e.inReady) {
      e.inReady = false;
      if (e.op.action === 'truncate') this.truncatesQueued--;
      else {
        this.readyDocs--;
        this.readyBytes -= e.bytes;
      }
    }
    e.state = 'dropped';
    this.release(e.bytes);
  }

  private abortGroup(g: Group, reason: unknown): void {
    if (g.finished) return;
    g.abort(reason);
    for (const e of g.entries) {
      // In-flight items finish their request; their result is counted but no longer awaited.
      if (e.state !== 'inflight') this.drop(e);
    }
    this.schedulePump();
  }

  private recordLatency(ms: number, items: number): void {
    const h = this.counters.bulkLatency;
    h.count++;
    h.sumMs += ms;
    if (ms > h.maxMs) h.maxMs = ms;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    h.buckets[i]!++;
    if (h.samples.length < LATENCY_SAMPLES) h.samples.push(ms);
    else h.samples[h.samplesNext] = ms;
    h.samplesNext = (h.samplesNext + 1) % LATENCY_SAMPLES;
    try {
      this.onBulk?.(ms, items);
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'onBulk hook threw');
    }
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private shutdown(): void {
    const reason = abortError(this.stop.signal);
    this.clearTimers();
    this.delayedItems = 0;
    for (const w of this.waiters.splice(0)) w.reject(reason);
    for (const g of [...this.groups]) this.abortGroup(g, reason);
  }
}

function docId(op: IndexOp): string | null {
  return op.action === 'truncate' ? null : op.id;
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
