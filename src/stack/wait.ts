import { setTimeout as sleep } from 'node:timers/promises';

/** Polls check() until it returns true; throws onTimeout() after timeoutMs or when stillRunning() says no. */
export async function waitUntil(
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; stillRunning?: () => boolean },
  onTimeout: (reason: 'timeout' | 'exited') => Error,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await check().catch(() => false)) return;
    if (opts.stillRunning && !opts.stillRunning()) throw onTimeout('exited');
    if (Date.now() > deadline) throw onTimeout('timeout');
    await sleep(opts.intervalMs ?? 250, undefined, { signal: opts.signal });
  }
}
