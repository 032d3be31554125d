/** Timers every component shares: one place for abort-aware waits. */

/** The error an aborted wait rejects with: the signal's reason when it is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  return new DOMException(typeof r === 'string' ? r : 'This operation was aborted', 'AbortError');
}

/** Sleeps ms; rejects with the signal's reason as soon as it aborts (timer cleared, no leak). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, clampDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits ms, or returns early — without an error — when the signal aborts: for loops that check the
 * signal themselves (polling intervals, reconnect backoff).
 */
export function idle(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, clampDelay(ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** setTimeout's range is 2^31−1 ms (a cron that never fires again waits for the abort). */
function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2_147_483_647);
}
