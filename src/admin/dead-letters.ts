import { errorMessage } from '../core/errors.js';
import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterKind,
  DeadLetterStore,
  Sink,
} from '../core/interfaces.js';
import type { MappingSet } from '../mapping/mapping-set.js';

/**
 * The dead-letter operations the admin API and the dashboard need, in one small module: list, counts,
 * replay through the current mapping and the pipeline's own (versioned) sink, purge. It is the only place
 * that knows how replay is done, so moving it onto the operations library (src/ops) is a change here.
 */
export interface DeadLetterView {
  id: number;
  pipeline: string;
  index: string;
  docId: string | null;
  kind: DeadLetterKind;
  error: string;
  attempts: number;
  op: string;
  table: string;
  position: string;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface ReplayReport {
  /** Applied (or found already superseded in the index) and removed from the store. */
  replayed: number[];
  /** Still failing: left in the store (the sink updated its error and attempts). */
  failed: Array<{ id: number; error: string }>;
}

export interface DeadLetterRuntime {
  readonly store: DeadLetterStore;
  /** The current mappings (refreshed on DDL), undefined before the pipelines started. */
  mappings(): MappingSet | undefined;
  /** The sink of a pipeline running in this process. */
  sinkOf(pipeline: string): Sink | undefined;
}

export class DeadLetters {
  constructor(private readonly rt: DeadLetterRuntime) {}

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterView[]> {
    return (await this.rt.store.list(filter)).map(view);
  }

  counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>> {
    return this.rt.store.counts();
  }

  async replay(ids: readonly number[]): Promise<ReplayReport> {
    const report: ReplayReport = { replayed: [], failed: [] };
    const entries = await this.rt.store.list({ ids, limit: ids.length });
    const found = new Set(entries.map((e) => e.id));
    for (const id of ids)
      if (!found.has(id)) report.failed.push({ id, error: `dead letter ${id} does not exist` });
    for (const e of entries) {
      const id = e.id!;
      try {
        const error = await this.replayOne(e);
        if (error === undefined) {
          await this.rt.store.remove([id]);
          report.replayed.push(id);
        } else report.failed.push({ id, error });
      } catch (err) {
        report.failed.push({ id, error: errorMessage(err) });
      }
    }
    return report;
  }

  purge(ids: readonly number[]): Promise<number> {
    return this.rt.store.remove(ids);
  }

  /** undefined when applied or stale; the reason otherwise. */
  private async replayOne(e: DeadLetterEntry): Promise<string | undefined> {
    const mappings = this.rt.mappings();
    const sink = this.rt.sinkOf(e.pipeline);
    if (!mappings || !sink)
      return `pipeline ${e.pipeline} does not run in this process; replay it where it runs (or with syncline dlq replay)`;
    const all = mappings.toOps(e.event);
    // A table mapped into several indexes has one dead letter per index: replay only this one's op.
    const ops = all.some((o) => o.index === e.index) ? all.filter((o) => o.index === e.index) : all;
    if (ops.length === 0)
      return `no mapping turns ${e.event.source.database}.${e.event.source.table} into an operation any more`;
    const result = await sink.write(ops);
    if (result.dead === 0) return undefined;
    // The sink stored it again (same row: error and attempts updated); report the current error.
    const again = await this.rt.store.list({ ids: [e.id!], limit: 1 });
    return again[0]?.error ?? 'rejected again';
  }
}

function view(e: DeadLetterEntry): DeadLetterView {
  return {
    id: e.id!,
    pipeline: e.pipeline,
    index: e.index,
    docId: e.docId,
    kind: e.kind,
    error: e.error,
    attempts: e.attempts,
    op: e.event.op,
    table: `${e.event.source.database}.${e.event.source.table}`,
    position: e.event.source.position.label,
    firstSeen: e.firstSeen?.toISOString() ?? null,
    lastSeen: e.lastSeen?.toISOString() ?? null,
  };
}
