import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type {
  Batch,
  CheckpointStore,
  DeadLetterStore,
  IndexOp,
  Mapping,
  Sink,
  Source,
  WriteResult,
} from '../../../src/core/interfaces.js';
import { Pipeline, type PipelineOptions } from '../../../src/core/pipeline.js';
import { event, position } from './pipeline-fixtures.js';

const logger = pino({ level: 'silent' });

/** A source that yields the given batches, then stays idle until aborted (like a quiet database). */
function idleAfter(batches: Batch[]): Source {
  return {
    name: 'test',
    async *start(_from, signal) {
      for (const b of batches) yield b;
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    },
  };
}

function batch(n: number, acks: number[]): Batch {
  return { events: [event(n)], position: position(n), ack: async () => void acks.push(n) };
}

/** A sink whose writes finish when the test says so (write k waits on gate k). */
function gatedSink() {
  const gates = new Map<number, { resolve: (r: WriteResult) => void; reject: (e: Error) => void }>();
  const sink: Sink = {
    write: (ops: readonly IndexOp[]) =>
      new Promise<WriteResult>((resolve, reject) => {
        gates.set(Number(ops[0]!.version), { resolve, reject });
      }),
    flush: async () => {},
    close: async () => {},
  };
  const done = (n: number) => gates.get(n)!.resolve({ outcomes: [], ok: 1, stale: 0, dead: 0, retried: 0 });
  const fail = (n: number, e: Error) => gates.get(n)!.reject(e);
  return { sink, gates, done, fail };
}

const mapping: Mapping = {
  handles: () => true,
  toOps: (ev) => [
    {
      action: 'index',
      index: 'i',
      id: String(ev.key.id),
      version: ev.source.position.version,
      doc: {},
      event: ev,
    },
  ],
};

function memoryCheckpoints() {
  const commits: string[] = [];
  const store: CheckpointStore = {
    load: async () => undefined,
    commit: async (_p, pos) => void commits.push(pos.label),
    close: async () => {},
  };
  return { store, commits };
}

const deadLetters = { put: async () => 1 } as unknown as DeadLetterStore;

/** A pipeline over an idle-after-n source, a gated sink and in-memory checkpoints, already running. */
function started(n: number, checkpointIntervalMs?: number, over: Partial<PipelineOptions> = {}) {
  const acks: number[] = [];
  const { sink, gates, done, fail } = gatedSink();
  const cp = memoryCheckpoints();
  const p = new Pipeline({
    name: 'p',
    source: idleAfter(Array.from({ length: n }, (_, i) => batch(i + 1, acks))),
    mapping,
    sink,
    checkpoints: cp.store,
    deadLetters,
    logger,
    ...(checkpointIntervalMs !== undefined && { checkpointIntervalMs }),
    ...over,
  });
  const ac = new AbortController();
  const running = p.run(ac.signal);
  return { p, acks, gates, done, fail, commits: cp.commits, ac, running };
}

describe('pipeline settling', () => {
  it('acknowledges in source order and checkpoints the last batch while the source is idle', async () => {
    const { p, acks, gates, done, commits, ac, running } = started(3, 200);
    await vi.waitFor(() => expect(gates.size).toBe(3));
    // the later batches finish first: nothing is acknowledged past the unfinished head
    done(3);
    done(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(acks).toEqual([]);
    done(1);
    // no further batch arrives, yet all three are acknowledged and the last position is committed
    await vi.waitFor(() => expect(acks).toEqual([1, 2, 3]));
    await vi.waitFor(() => expect(commits.at(-1)).toBe('p3'), { timeout: 2000 });
    expect(p.position?.label).toBe('p3');
    expect(p.inFlightEvents).toBe(0);
    ac.abort();
    await running;
    expect(p.state).toBe('stopped');
  });

  it('a throttled checkpoint is committed later even if nothing else happens', async () => {
    const { gates, done, commits, ac, running } = started(2, 300);
    await vi.waitFor(() => expect(gates.size).toBe(2));
    done(1);
    await vi.waitFor(() => expect(commits).toEqual(['p1']));
    done(2); // within the interval of the first commit: deferred, not dropped
    await vi.waitFor(() => expect(commits).toEqual(['p1', 'p2']), { timeout: 2000 });
    ac.abort();
    await running;
    expect(commits).toEqual(['p1', 'p2']);
  });

  it('a failed write fails the pipeline while the source is idle, keeping the acknowledged position', async () => {
    const { p, acks, gates, done, fail, commits, running } = started(2);
    await vi.waitFor(() => expect(gates.size).toBe(2));
    done(1);
    fail(2, new Error('engine refused the mapping'));
    await expect(running).rejects.toThrow('engine refused the mapping');
    expect(p.state).toBe('failed');
    expect(p.lastError).toContain('engine refused the mapping');
    expect(acks).toEqual([1]);
    expect(commits.at(-1)).toBe('p1');
  });

  it('a checkpoint store that fails for a while is retried; the pipeline keeps running and commits', async () => {
    const commits: string[] = [];
    let failures = 2;
    const checkpoints: CheckpointStore = {
      load: async () => undefined,
      commit: async (_p, pos) => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:3307');
        commits.push(pos.label);
      },
      close: async () => {},
    };
    const { p, acks, gates, done, ac, running } = started(2, undefined, {
      checkpoints,
      checkpointRetryMaxMs: 50,
    });
    await vi.waitFor(() => expect(gates.size).toBe(2));
    done(1);
    done(2);
    await vi.waitFor(() => expect(commits.at(-1)).toBe('p2'), { timeout: 3000 });
    expect(p.state).toBe('running');
    expect(acks).toEqual([1, 2]);
    ac.abort();
    await running;
    expect(p.state).toBe('stopped');
  });

  it('a row the mapping rejects is dead-lettered, retrying the store while it fails; later rows land', async () => {
    const stored: string[] = [];
    let failures = 2;
    const flaky = {
      put: async (e: { docId: string | null }) => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:3307');
        stored.push(String(e.docId));
        return stored.length;
      },
    } as unknown as DeadLetterStore;
    const rejecting: Mapping = {
      ...mapping,
      toOps: (ev) => {
        if (ev.key.id === 1) throw new Error('price: "abc" is not a number');
        return mapping.toOps(ev);
      },
    };
    const { p, gates, done, commits, ac, running } = started(2, undefined, {
      mapping: rejecting,
      deadLetters: flaky,
      checkpointRetryMaxMs: 50,
    });
    await vi.waitFor(() => expect(gates.size).toBe(1));
    done(2);
    await vi.waitFor(() => expect(commits.at(-1)).toBe('p2'), { timeout: 3000 });
    expect(stored).toEqual(['{"id":1}']);
    expect(p.stats.dead).toBe(1);
    expect(p.state).toBe('running');
    ac.abort();
    await running;
  });
});
