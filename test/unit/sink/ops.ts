import type { SinkConfig } from '../../../src/config/schema.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { IndexOp } from '../../../src/core/interfaces.js';

/** Builders for sink tests: ops carrying a minimal but valid change event. */
export function event(
  op: ChangeEvent['op'],
  key: Record<string, unknown>,
  version: bigint,
  after: Record<string, unknown> | null = op === 'd' || op === 't' ? null : { ...key },
): ChangeEvent {
  return {
    op,
    before: null,
    after,
    key,
    source: {
      connector: 'polling',
      database: 'test',
      table: 't',
      position: { version, checkpoint: { v: version.toString() }, label: `v${version}` },
      snapshot: false,
      tsMs: 0,
    },
  };
}

export function indexOp(index: string, id: string, version: bigint, doc: Record<string, unknown>): IndexOp {
  return { action: 'index', index, id, version, doc, event: event('u', { id }, version, { id, ...doc }) };
}

export function deleteOp(index: string, id: string, version: bigint): IndexOp {
  return { action: 'delete', index, id, version, event: event('d', { id }, version) };
}

export function truncateOp(index: string, version: bigint): IndexOp {
  return { action: 'truncate', index, version, event: event('t', {}, version) };
}

/** A full SinkConfig with test-friendly defaults. */
export function sinkConfig(
  over: {
    maxDocs?: number;
    maxBytes?: number;
    lingerMs?: number;
    concurrency?: number;
    maxBufferedBytes?: number;
    initialMs?: number;
    maxMs?: number;
    maxAttempts?: number;
    refresh?: SinkConfig['refresh'];
  } = {},
): SinkConfig {
  return {
    batch: {
      maxDocs: over.maxDocs ?? 1000,
      maxBytes: over.maxBytes ?? 5 * 1024 * 1024,
      lingerMs: over.lingerMs ?? 10,
    },
    concurrency: over.concurrency ?? 2,
    maxBufferedBytes: over.maxBufferedBytes ?? 32 * 1024 * 1024,
    retry: { initialMs: over.initialMs ?? 10, maxMs: over.maxMs ?? 100, maxAttempts: over.maxAttempts ?? 0 },
    refresh: over.refresh ?? 'false',
  };
}
