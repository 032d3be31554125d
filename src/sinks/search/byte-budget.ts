import { abortError } from '../../core/timers.js';

interface SpaceWaiter {
  readonly bytes: number;
  readonly since: number;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * The memory bound of a sink: bytes accepted and not yet settled never exceed `max`, except by a single
 * item larger than the whole budget, admitted alone. Producers that do not fit wait in FIFO order, so a
 * large item is not starved by small ones. Engine-agnostic: the Kafka sink could bound itself the same way.
 */
export class ByteBudget {
  private usedBytes = 0;
  private highWaterBytes = 0;
  private readonly waiters: SpaceWaiter[] = [];

  constructor(
    private readonly max: number,
    private readonly counters: { backpressureWaits: number; backpressureWaitMs: number },
  ) {}

  get used(): number {
    return this.usedBytes;
  }
  get highWater(): number {
    return this.highWaterBytes;
  }
  /** Producers waiting for space. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes `bytes` now (undefined) or returns a promise that resolves once they are taken. */
  reserve(bytes: number, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.waiters.length === 0 && (this.usedBytes === 0 || this.usedBytes + bytes <= this.max)) {
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

  release(bytes: number): void {
    this.usedBytes -= bytes;
    this.wake();
  }

  /** Every waiting producer fails with `reason` (the sink is stopping). */
  rejectAll(reason: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }

  private take(bytes: number): void {
    this.usedBytes += bytes;
    if (this.usedBytes > this.highWaterBytes) this.highWaterBytes = this.usedBytes;
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (this.usedBytes !== 0 && this.usedBytes + w.bytes > this.max) break;
      this.waiters.shift();
      this.take(w.bytes);
      w.resolve();
    }
  }
}
