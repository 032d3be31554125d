import type { ChangeEvent, Position, Row } from '../../../core/change-event.js';
import type { ChunkTable } from './chunk-reader.js';

const keyOf = (cols: readonly string[], row: Row): string => JSON.stringify(cols.map((c) => String(row[c])));

/**
 * One chunk between its low and high watermark (DBLog). Rows read by the chunk SELECT are held here;
 * every key the binlog changes between the watermarks is struck out, since the streamed event is newer
 * than (or equal to) what the SELECT saw. At the high watermark the survivors become 'r' events.
 */
export class ChunkWindow {
  private lowSeen = false;
  private readonly changed = new Set<string>();
  private rows: Row[] | undefined;
  private last: unknown[] | null = null;
  private truncated = false;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => {
    this.resolveDone = r;
  });

  constructor(
    readonly chunkId: string,
    readonly table: ChunkTable,
  ) {}

  onLow(): void {
    this.lowSeen = true;
  }

  get isOpen(): boolean {
    return this.lowSeen;
  }

  setRows(rows: Row[], lastKey: unknown[] | null): void {
    this.rows = rows;
    this.last = lastKey;
  }

  /** Last key the chunk SELECT returned (the resume point once this chunk is complete). */
  get lastKey(): unknown[] | null {
    return this.last;
  }

  /** A streamed event between the watermarks. */
  onStreamEvent(ev: ChangeEvent): void {
    if (!this.lowSeen) return;
    if (ev.source.database !== this.table.database || ev.source.table !== this.table.table) return;
    if (ev.op === 't') {
      // The table was emptied after the SELECT: nothing of this chunk (or of later ones) survives.
      this.truncated = true;
      return;
    }
    for (const r of [ev.before, ev.after]) if (r) this.changed.add(keyOf(this.table.keyColumns, r));
  }

  /** High watermark reached: the chunk's surviving rows as snapshot reads at the watermark position. */
  complete(at: Position, tsMs: number): ChangeEvent[] {
    const rows = this.truncated ? [] : (this.rows ?? []);
    const out: ChangeEvent[] = [];
    for (const row of rows) {
      if (this.changed.has(keyOf(this.table.keyColumns, row))) continue;
      const key: Row = {};
      for (const c of this.table.keyColumns) key[c] = row[c];
      out.push({
        op: 'r',
        before: null,
        after: row,
        key,
        source: {
          connector: 'mysql-binlog',
          database: this.table.database,
          table: this.table.table,
          position: at,
          snapshot: true,
          tsMs,
        },
      });
    }
    this.resolveDone();
    return out;
  }

  get rowCount(): number {
    return this.truncated ? 0 : (this.rows?.length ?? 0);
  }
}
