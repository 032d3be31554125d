import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import type { ChangeEvent, Row } from '../../core/change-event.js';
import type { DeadLetterStore, IndexOp } from '../../core/interfaces.js';
import type { TableMapping } from '../../mapping/table-mapping.js';
import { BulkSink } from '../../sinks/search/bulk-sink.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { type Barrier, barrier } from '../barrier.js';
import { mgetSources } from '../index-reader.js';
import { type IndexTables, readExpected, type Suspect } from './expected.js';
import { compare, type Finding } from './settle.js';

export interface RepairResult {
  /** Documents (re)written from their row. */
  readonly indexed: number;
  /** Documents deleted (their row is gone). */
  readonly deleted: number;
  /** Writes the engine refused as older than what it holds: a newer change got there first. */
  readonly stale: number;
  /** Writes that went to the dead-letter store. */
  readonly dead: number;
  /** Findings a second read (after the barrier) no longer confirmed: the index already agreed, nothing written. */
  readonly unconfirmed: number;
}

export interface RepairDeps {
  readonly pool: Pool;
  readonly search: SearchClient;
  readonly internalDatabase: string;
  readonly sink: SinkConfig;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Repairs through the normal versioned sink path. First a barrier (a committed write of ours, see
 * barrier.ts), then the rows and the documents are read again and compared; each difference still there
 * is written (or deleted) with the
 * barrier's version, composeVersion(barrier seq, MAX_SUB):
 * - every change committed before the barrier is visible to the read, so nothing older is written;
 * - every change committed after it has a higher GTID sequence, so a higher version: whether the
 *   pipeline applies it before or after the repair, the engine keeps the newer one (the repair then
 *   counts as stale). A repair can never override a newer change.
 */
export async function repair(
  d: RepairDeps,
  t: IndexTables,
  findings: readonly Finding[],
  suspects: ReadonlyMap<string, Suspect>,
): Promise<RepairResult> {
  if (findings.length === 0) return { indexed: 0, deleted: 0, stale: 0, dead: 0, unconfirmed: 0 };
  const b = await barrier(d.pool, d.internalDatabase);
  const expected = await readExpected(
    d.pool,
    t,
    findings.map((f) => suspects.get(f.id) ?? { id: f.id }),
  );
  // Compared again with what the index holds now: only a difference this read confirms is written, so a
  // finding that came from a wrong read (or that the pipeline has fixed since) never overwrites a document.
  const held = await mgetSources(
    d.search,
    t.index,
    findings.map((f) => f.id),
    d.signal,
  );
  const ops: IndexOp[] = [];
  let unconfirmed = 0;
  for (const f of findings) {
    const e = expected.get(f.id);
    const kind = e ? compare(e, held.get(f.id)) : undefined;
    if (kind === undefined || kind === 'unmappable') {
      unconfirmed++;
      continue;
    }
    if (e?.state === 'doc' && e.doc) {
      // a built document: written as built, with the barrier's version like any repair
      const event = repairEvent('r', e.mapping, e.row, b);
      ops.push({ action: 'index', index: t.index, id: f.id, version: b.version, doc: e.doc, event });
    } else if (e?.state === 'doc') ops.push(...e.mapping.toOps(repairEvent('r', e.mapping, e.row, b)));
    else if (e?.state === 'absent') {
      const m = suspects.get(f.id)?.mapping ?? t.mappings[0]!;
      ops.push({
        action: 'delete',
        index: t.index,
        id: f.id,
        version: b.version,
        event: deleteEvent(m, f.id, b),
      });
    }
  }
  const sink = new BulkSink({
    client: d.search,
    config: d.sink,
    deadLetters: d.deadLetters,
    pipeline: 'reconcile',
    logger: d.logger,
    ...(d.signal && { signal: d.signal }),
  });
  try {
    const r = await sink.write(ops, d.signal);
    let indexed = 0;
    let deleted = 0;
    ops.forEach((op, i) => {
      if (r.outcomes[i] !== 'ok') return;
      if (op.action === 'index') indexed++;
      else if (op.action === 'delete') deleted++;
    });
    return { indexed, deleted, stale: r.stale, dead: r.dead, unconfirmed };
  } finally {
    await sink.close();
  }
}

function source(m: TableMapping, b: Barrier) {
  return {
    connector: 'mysql-binlog' as const,
    database: m.database,
    table: m.table,
    position: {
      version: b.version,
      checkpoint: { gtid: b.gtid },
      label: `reconcile repair at gtid ${b.gtid}`,
    },
    snapshot: true,
    tsMs: Date.now(),
  };
}

function repairEvent(op: 'r', m: TableMapping, row: Row, b: Barrier): ChangeEvent {
  const key = Object.fromEntries(m.keyColumns.map((k) => [k, row[k]]));
  return { op, before: null, after: row, key, source: source(m, b) };
}

function deleteEvent(m: TableMapping, id: string, b: Barrier): ChangeEvent {
  return { op: 'd', before: null, after: null, key: { _id: id }, source: source(m, b) };
}
