import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { LeaderLock, type LeaderLockOptions } from './leader-lock.js';

/**
 * The leader lock on a thread of its own (threaded-lock.ts): its pings keep their pace while the main
 * thread is busy with a backlog, so a busy worker does not lose its lock — only a frozen, killed or
 * cut-off one does, or one whose main thread stopped answering for `stallMs`.
 */
export type ToThread = { op: 'try'; id: number } | { op: 'release'; id: number } | { op: 'alive' };
export type FromThread =
  | { type: 'tried'; id: number; ok: boolean; tokens: Array<[string, number]>; leader?: LeaderLock['leader'] }
  | { type: 'released'; id: number }
  | { type: 'lost'; why: string };

const port = parentPort!;
const { stallMs, ...options } = workerData as Omit<LeaderLockOptions, 'logger'> & { stallMs: number };
const lock = new LeaderLock({ ...options, logger: pino({ level: 'silent' }) });
let lastAlive = Date.now();
let watching: Promise<void> | undefined;

function watchLoss(): void {
  watching = lock.lost().then((why) => {
    watching = undefined;
    port.postMessage({ type: 'lost', why } satisfies FromThread);
  });
}

const stallCheck = setInterval(() => {
  if (lock.holding && Date.now() - lastAlive > stallMs)
    void lock.release(`the main thread did not answer for ${stallMs} ms`);
}, 500);
stallCheck.unref();

port.on('message', (m: ToThread) => {
  if (m.op === 'alive') {
    lastAlive = Date.now();
    return;
  }
  if (m.op === 'try') {
    void lock.tryAcquire().then((ok) => {
      if (ok) {
        lastAlive = Date.now();
        if (!watching) watchLoss();
      }
      port.postMessage({
        type: 'tried',
        id: m.id,
        ok,
        tokens: [...lock.tokens],
        ...(lock.leader && { leader: lock.leader }),
      } satisfies FromThread);
    });
    return;
  }
  void lock.release().then(() => port.postMessage({ type: 'released', id: m.id } satisfies FromThread));
});
