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
import { Pipeline } from '../../../src/core/pipeline.js';
import { event, position } from './pipeline-fixtures.js';

/**
 * Batches reach the sink in source order even when an earlier batch waits before its hand-off: a row the
 * mapping rejects makes its batch wait for the dead-letter store, and the next batch — a TRUNCATE — must
 * still come after that batch's inserts (else they would survive the truncate).
 */
const logger = pino({ level: 'silent' });

const mapping: Mapping = {
  handles: () => true,
  toOps: (ev) => {
    const version = ev.source.position.version;
    if (ev.op === 't') return [{ action: 'truncate', index: 'i', version, event: ev }];
    if (ev.key.id === 1) throw new Error('price: "abc" is not a number');
    return [{ action: 'index', index: 'i', id: String(ev.key.id), version, doc: {}, event: ev }];
  },
};

const checkpoints: CheckpointStore = {
  load: async () => undefined,
  commit: async () => {},
  close: async () => {},
};

describe('pipeline hand-off to the sink', () => {
  it('a TRUNCATE batch never reaches the sink before an earlier batch held up by a dead-letter put', async () => {
    // the dead-letter store answers when the test says so
    let releasePut!: () => void;
    const putCalled = vi.fn();
    const slowDeadLetters = {
      put: () => {
        putCalled();
        return new Promise<number>((resolve) => {
          releasePut = () => resolve(1);
        });
      },
    } as unknown as DeadLetterStore;

    // the sink records what reaches it, in order, and acknowledges at once
    const received: string[] = [];
    const sink: Sink = {
      write: async (ops: readonly IndexOp[]): Promise<WriteResult> => {
        for (const op of ops) received.push(op.action === 'truncate' ? 'truncate' : `${op.action}:${op.id}`);
        return { outcomes: ops.map(() => 'ok'), ok: ops.length, stale: 0, dead: 0, retried: 0 };
      },
      flush: async () => {},
      close: async () => {},
    };

    // batch 1: a rejected row, then an insert; batch 2: the TRUNCATE
    let pulledPastBoth!: () => void;
    const sourceDone = new Promise<void>((r) => {
      pulledPastBoth = r;
    });
    const batches: Batch[] = [
      { events: [event(1, 'c'), event(2, 'c')], position: position(2), ack: async () => {} },
      { events: [event(3, 't')], position: position(3), ack: async () => {} },
    ];
    const source: Source = {
      name: 'test',
      async *start(_from, signal) {
        for (const b of batches) yield b;
        // the pipeline asked for a third batch: it has taken the TRUNCATE batch in hand
        pulledPastBoth();
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      },
    };

    const p = new Pipeline({
      name: 'p',
      source,
      mapping,
      sink,
      checkpoints,
      deadLetters: slowDeadLetters,
      logger,
    });
    const ac = new AbortController();
    const running = p.run(ac.signal);

    await sourceDone;
    await vi.waitFor(() => expect(putCalled).toHaveBeenCalledTimes(1));
    // while batch 1 waits for the store, nothing of batch 2 may reach the sink
    await Promise.resolve();
    expect(received).toEqual([]);
    releasePut();
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received).toEqual(['index:2', 'truncate']);
    ac.abort();
    await running;
  });
});
