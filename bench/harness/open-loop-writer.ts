import { demoProduct } from '../../src/demo/demo-catalog.js';
import { rng } from '../../src/demo/seed-data.js';
import type { BenchContext } from './context.js';
import { SENTINEL_ID } from './dataset.js';

/** One tick's probe: a freshly inserted row whose bench_seq is the tick's marker. */
export interface Probe {
  readonly seq: number;
  readonly id: number;
  /** When the tick was due (epoch ms): open loop, so a slow server shows up as writer lag, not a lower rate. */
  readonly dueAt: number;
}

export interface WriterStats {
  readonly rows: number;
  readonly ticks: number;
  readonly seconds: number;
  readonly achievedRate: number;
  /** Largest delay between a tick being due and its statement completing. */
  readonly maxLagMs: number;
  readonly errors: number;
}

const TICK_MS = 20;
const MAX_IN_FLIGHT = 8;
let seqCounter = 2_000_000_000;

/**
 * An open-loop, constant-rate writer: every 20 ms, due or late, it commits one multi-row statement of
 * rate × 20 ms rows (70% updates of random live rows, 30% inserts) with NOW(6) stamped in updated_at.
 * Each tick also inserts one probe row carrying the tick's marker in bench_seq (other rows carry the
 * negated marker), so a prober can search for exactly one document per tick.
 */
export class OpenLoopWriter {
  private readonly r = rng(77);
  private stopped = false;
  private rows = 0;
  private ticks = 0;
  private errors = 0;
  private maxLagMs = 0;
  private inFlight = 0;
  private readonly done: Promise<void>[] = [];
  private t0 = 0;
  private t1 = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ctx: BenchContext,
    private readonly o: {
      rate: number;
      /** Rows updates may pick (the sentinel is never picked); inserts are appended. */
      liveIds: number[];
      nextId: () => number;
      onProbe?: (p: Probe) => void;
    },
  ) {}

  start(): void {
    this.t0 = Date.now();
    this.loop = this.run();
  }

  /** Stops ticking and waits for the statements in flight. */
  async stop(): Promise<WriterStats> {
    this.stopped = true;
    await this.loop;
    await Promise.allSettled(this.done);
    const seconds = (this.t1 - this.t0) / 1000;
    return {
      rows: this.rows,
      ticks: this.ticks,
      seconds,
      achievedRate: this.rows / seconds,
      maxLagMs: this.maxLagMs,
      errors: this.errors,
    };
  }

  get rowsWritten(): number {
    return this.rows;
  }

  private async run(): Promise<void> {
    const perMs = this.o.rate / 1000;
    let k = 0;
    while (!this.stopped) {
      const due = this.t0 + k * TICK_MS;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.stopped) break;
      // Exact long-run rate: this tick's share of floor(rate × elapsed).
      const n = Math.floor((k + 1) * TICK_MS * perMs) - Math.floor(k * TICK_MS * perMs);
      k++;
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.errors++; // the server is this far behind: the tick is dropped, and counted
        continue;
      }
      const p = this.tick(due, Math.max(1, n));
      this.done.push(p);
      if (this.done.length > 256) this.done.splice(0, 128);
    }
    this.t1 = Date.now();
  }

  private async tick(dueAt: number, n: number): Promise<void> {
    const seq = ++seqCounter;
    const live = this.o.liveIds;
    const values: unknown[][] = [];
    const probeId = this.o.nextId();
    const row = (id: number, marker: number) => {
      const p = demoProduct(this.r);
      return [id, p.name, p.description, p.price, p.category_id, p.tags, p.stock, p.status, marker];
    };
    values.push(row(probeId, seq));
    const ids = new Set<number>();
    for (let i = 1; i < n; i++) {
      if (this.r() < 0.3 || live.length < 2) {
        const id = this.o.nextId();
        live.push(id);
        ids.add(id);
      } else {
        const id = live[Math.floor(this.r() * live.length)]!;
        if (id !== SENTINEL_ID) ids.add(id);
      }
    }
    // Ascending ids: concurrent statements lock rows in the same order, so they cannot deadlock.
    for (const id of [...ids].sort((a, b) => a - b)) values.push(row(id, -seq));
    this.inFlight++;
    this.ticks++;
    try {
      await this.ctx.pool.query(
        `INSERT INTO products (id, name, description, price, category_id, tags, stock, status, bench_seq) VALUES ?
         ON DUPLICATE KEY UPDATE stock = VALUES(stock), price = VALUES(price), bench_seq = VALUES(bench_seq),
         updated_at = NOW(6)`,
        [values],
      );
      this.rows += values.length;
      this.o.onProbe?.({ seq, id: probeId, dueAt });
      const lag = Date.now() - dueAt;
      if (lag > this.maxLagMs) this.maxLagMs = lag;
    } catch (e) {
      this.errors++;
      this.ctx.log(`writer: ${(e as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }
}
