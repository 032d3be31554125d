import { Worker } from 'node:worker_threads';
import { type LeaderInfo, LeaderLock, type LeaderLockOptions, pause } from './leader-lock.js';
import type { FromThread, ToThread } from './lock-thread.js';

/** What the leadership loop needs of a lock, in-process or on its own thread. */
export interface LeaderLockHandle {
  readonly tokens: ReadonlyMap<string, number>;
  readonly leader: LeaderInfo | undefined;
  readonly holding: boolean;
  acquire(signal: AbortSignal): Promise<boolean>;
  lost(): Promise<string>;
  release(): Promise<void>;
}

/** A main thread silent this long (an endless loop, not a backlog) gives the lock up. */
export const MAIN_THREAD_STALL_MS = 30_000;

/**
 * The leader lock with its connection and pings on a worker thread: a main thread busy for seconds with a
 * backlog (measured: event-loop pauses of several seconds on a loaded host) would miss pings and lose the
 * lock every few seconds. The main thread tells the lock thread it is alive every ping interval; a freeze
 * (SIGSTOP) stops both threads, so the server still frees the lock after the session timeout.
 */
export class ThreadedLeaderLock implements LeaderLockHandle {
  private thread: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (m: FromThread) => void>();
  private lostResolve: ((why: string) => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  readonly tokens = new Map<string, number>();
  leader: LeaderInfo | undefined;

  constructor(private readonly o: LeaderLockOptions) {}

  get holding(): boolean {
    return this.tokens.size > 0;
  }

  private start(): Worker {
    if (this.thread) return this.thread;
    const { logger: _logger, ...options } = this.o;
    const t = new Worker(new URL('./lock-thread.js', import.meta.url), {
      workerData: { ...options, stallMs: MAIN_THREAD_STALL_MS },
      // plain Node for the thread: not the host's loaders or flags (a test runner's, a profiler's)
      execArgv: [],
    });
    t.on('message', (m: FromThread) => {
      if (m.type === 'lost') this.lose(m.why);
      else this.pending.get(m.id)?.(m);
    });
    const gone = (why: string) => {
      if (this.thread !== t) return;
      this.thread = undefined;
      for (const r of this.pending.values()) r({ type: 'tried', id: -1, ok: false, tokens: [] });
      this.pending.clear();
      this.lose(why);
    };
    t.on('error', (e) => {
      this.o.logger.error({ err: e.message }, 'ha: the lock thread failed');
      gone(`lock thread failed: ${e.message}`);
    });
    t.on('exit', () => gone('lock thread exited'));
    this.heartbeat = setInterval(
      () => t.postMessage({ op: 'alive' } satisfies ToThread),
      this.o.pingIntervalMs,
    );
    this.heartbeat.unref();
    this.thread = t;
    return t;
  }

  private call(op: 'try' | 'release'): Promise<FromThread> {
    const t = this.start();
    const id = ++this.nextId;
    return new Promise((res) => {
      this.pending.set(id, (m) => {
        this.pending.delete(id);
        res(m);
      });
      t.postMessage({ op, id } satisfies ToThread);
    });
  }

  private lose(why: string): void {
    if (this.tokens.size === 0) return;
    this.tokens.clear();
    const r = this.lostResolve;
    this.lostResolve = undefined;
    r?.(why);
  }

  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const m = await this.call('try');
      if (m.type === 'tried') {
        this.leader = m.leader;
        if (m.ok) {
          for (const [p, t] of m.tokens) this.tokens.set(p, t);
          return true;
        }
      }
      await pause(this.o.retryIntervalMs, signal);
    }
    return false;
  }

  lost(): Promise<string> {
    if (!this.holding) return Promise.resolve('not holding the lock');
    return new Promise((res) => {
      this.lostResolve = res;
    });
  }

  async release(): Promise<void> {
    const t = this.thread;
    if (!t) return;
    await this.call('release');
    this.lose('released');
    clearInterval(this.heartbeat);
    this.thread = undefined;
    await t.terminate();
  }
}

/**
 * The lock thread runs from the compiled `.js`; from TypeScript sources (tests that import src/) the lock
 * stays on the main thread.
 */
export function createLeaderLock(o: LeaderLockOptions): LeaderLockHandle {
  return import.meta.url.endsWith('.js') ? new ThreadedLeaderLock(o) : new LeaderLock(o);
}
