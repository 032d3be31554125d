import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterKind,
  DeadLetterStore,
} from '../../../src/core/interfaces.js';

/** In-memory DeadLetterStore for sink tests; `failNext(n)` makes the next n puts throw (store outage). */
export class MemoryDeadLetters implements DeadLetterStore {
  readonly entries: DeadLetterEntry[] = [];
  putCalls = 0;
  private failures = 0;
  private nextId = 1;

  failNext(n: number): void {
    this.failures = n;
  }

  async put(entry: DeadLetterEntry): Promise<number> {
    this.putCalls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('dead-letter store unavailable (injected)');
    }
    const id = this.nextId++;
    const now = new Date();
    this.entries.push({ ...entry, id, firstSeen: now, lastSeen: now });
    return id;
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    const out = this.entries.filter(
      (e) =>
        (filter.pipeline === undefined || e.pipeline === filter.pipeline) &&
        (filter.index === undefined || e.index === filter.index) &&
        (filter.kind === undefined || e.kind === filter.kind) &&
        (filter.ids === undefined || filter.ids.includes(e.id!)),
    );
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  async counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>> {
    const m = new Map<string, { index: string; kind: DeadLetterKind; count: number }>();
    for (const e of this.entries) {
      const k = `${e.index}\u0000${e.kind}`;
      const c = m.get(k) ?? { index: e.index, kind: e.kind, count: 0 };
      c.count++;
      m.set(k, c);
    }
    return [...m.values()];
  }

  async remove(ids: readonly number[]): Promise<number> {
    let n = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (ids.includes(this.entries[i]!.id!)) {
        this.entries.splice(i, 1);
        n++;
      }
    }
    return n;
  }
}
