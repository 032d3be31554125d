import type { IndexOp, OpOutcome, WriteResult } from '../../core/interfaces.js';
import { abortError } from '../../core/timers.js';
import type { EncodedOp } from './request-builder.js';

/**
 * The bookkeeping of accepted ops: an Entry per op (its encoding, its byte cost, its state), a Group per
 * write() whose promise settles once every entry of it is settled, and the FIFO queues they wait in.
 */
export type EntryState = 'queued' | 'inflight' | 'delayed' | 'dlq' | 'done' | 'dropped';

export interface Entry {
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

export class Group {
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
export class Fifo<T> {
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

export function docId(op: IndexOp): string | null {
  return op.action === 'truncate' ? null : op.id;
}

export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
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
