import type { Readable } from 'node:stream';

export type ReadOutcome<T> =
  | { readonly kind: 'batch'; readonly items: T[] }
  | { readonly kind: 'idle' }
  | { readonly kind: 'end' };

/**
 * Pull-mode reading of a message stream: takes what is buffered (up to `max`), or waits until something
 * arrives, the stream ends or fails (rejects with its error), the signal aborts (end), or `idleMs` passes
 * (idle: the caller can do periodic work). Reading only when the pipeline asks keeps the stream's buffer
 * — and the fetches behind it — bounded by its highWaterMark.
 */
export async function readBatch<T>(
  stream: Readable,
  max: number,
  signal: AbortSignal,
  idleMs: number,
): Promise<ReadOutcome<T>> {
  for (;;) {
    if (signal.aborted) return { kind: 'end' };
    const items: T[] = [];
    while (items.length < max) {
      const m = stream.read() as T | null;
      if (m === null) break;
      items.push(m);
    }
    if (items.length > 0) return { kind: 'batch', items };
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded || stream.destroyed) return { kind: 'end' };
    const woke = await new Promise<'data' | 'idle'>((resolve) => {
      const done = (why: 'data' | 'idle') => {
        clearTimeout(timer);
        stream.off('readable', onData);
        stream.off('error', onData);
        stream.off('end', onData);
        stream.off('close', onData);
        signal.removeEventListener('abort', onData);
        resolve(why);
      };
      const onData = () => done('data');
      const timer = setTimeout(() => done('idle'), idleMs);
      stream.on('readable', onData);
      stream.on('error', onData);
      stream.on('end', onData);
      stream.on('close', onData);
      signal.addEventListener('abort', onData, { once: true });
    });
    if (woke === 'idle') return { kind: 'idle' };
  }
}
