import type { ChangeEvent, Position, Row } from '../../../core/change-event.js';
import type { ChunkTable } from './chunk-reader.js';
import { type KeyShape, keyShape } from './key-normaliser.js';

/** Where the table's cursor goes once a chunk's high watermark has passed. */
export interface ChunkOutcome {
  /** Last key passed (emitted or struck): the resume point. Unchanged when the chunk's first row is re-read. */
  readonly cursor: unknown[] | null;
  /** Nothing left to read of the table (a short chunk, or a TRUNCATE in the window). */
  readonly done: boolean;
  /** Rows passed: emitted as snapshot reads or struck because the stream carries them. */
  readonly passed: number;
}

/**
 * One chunk between its low and high watermark (DBLog). Rows read by the chunk SELECT are held here;
 * every key the binlog changes between the watermarks is struck out, since the streamed event is newer
 * than (or equal to) what the SELECT saw. At the high watermark the survivors become 'r' events.
 * Keys are compared through the table's key shape (key-normaliser.ts), never as driver-rendered strings.
 */
export class ChunkWindow {
  private lowSeen = false;
  private readonly changed = new Set<string>();
  private readonly changedNear = new Set<string>();
  private readonly shape: KeyShape;
  private rows: Row[] | undefined;
  private limit = 0;
  private after: unknown[] | null = null;
  private truncated = false;
  private result: ChunkOutcome | undefined;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => {
    this.resolveDone = r;
  });

  constructor(
    readonly chunkId: string,
    readonly table: ChunkTable,
  ) {
    this.shape = keyShape(table.keyColumns, table.keyTypes);
  }

  onLow(): void {
    this.lowSeen = true;
  }

  get isOpen(): boolean {
    return this.lowSeen;
  }

  /** The SELECT's rows, read with `LIMIT limit` after the key `after` (the cursor before this chunk). */
  setRows(rows: Row[], limit: number, after: readonly unknown[] | null): void {
    this.rows = rows;
    this.limit = limit;
    this.after = after ? [...after] : null;
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
    for (const r of [ev.before, ev.after]) {
      if (!r) continue;
      this.changed.add(this.shape.exact(r));
      for (const k of this.shape.near(r)) this.changedNear.add(k);
    }
  }

  /**
   * High watermark reached: the chunk's surviving rows as snapshot reads at the watermark position. A row
   * that only nearly matches a changed key (key-normaliser.ts) ends the chunk before it: it and the rows
   * after it are read again by the next chunk, in a window of their own.
   */
  complete(at: Position, tsMs: number): ChangeEvent[] {
    const rows = this.truncated ? [] : (this.rows ?? []);
    const keyOf = (row: Row) => this.table.keyColumns.map((c) => row[c]);
    const out: ChangeEvent[] = [];
    let cursor = this.after;
    let passed = 0;
    let cut = false;
    for (const row of rows) {
      if (this.changed.has(this.shape.exact(row))) {
        cursor = keyOf(row);
        passed++;
        continue;
      }
      if (this.changedNear.size > 0 && this.shape.near(row).some((k) => this.changedNear.has(k))) {
        cut = true;
        break;
      }
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
      cursor = keyOf(row);
      passed++;
    }
    this.result = { cursor, passed, done: this.truncated || (!cut && rows.length < this.limit) };
    this.resolveDone();
    return out;
  }

  /** Set once complete() has run. */
  get outcome(): ChunkOutcome | undefined {
    return this.result;
  }
}
