import type { Pool, RowDataPacket } from 'mysql2/promise';
import { GtidState } from './gtid-state.js';
import { withFullGtidValues } from './position.js';

/**
 * Replication lag as Debezium-style users expect it: now − commit time of the last transaction processed,
 * and 0 when caught up, i.e. when what was processed has reached the server's @@gtid_binlog_pos / @@gtid_executed (polled
 * every pollMs) or a heartbeat arrived with nothing left to read.
 */
export class LagTracker {
  private server: GtidState | undefined;
  /** What was processed: its text per transaction, parsed only when the lag is asked for. */
  private oursText = '';
  private oursParsed: GtidState | undefined = GtidState.EMPTY;
  private lastCommitTsMs = 0;
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly pool: Pool,
    private readonly pollMs: number,
  ) {}

  private get ours(): GtidState {
    this.oursParsed ??= GtidState.parse(this.oursText);
    return this.oursParsed;
  }

  start(position: string): void {
    this.oursText = position;
    this.oursParsed = undefined;
    this.startedAt = Date.now();
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A transaction was processed (any table, captured or not). */
  committed(position: string, commitTsMs: number): void {
    if (position !== this.oursText) {
      this.oursText = position;
      this.oursParsed = undefined;
    }
    if (commitTsMs > 0) this.lastCommitTsMs = commitTsMs;
  }

  /** The server had nothing more to send when it sent this heartbeat, and everything before it was processed. */
  caughtUp(): void {
    this.server = this.ours;
  }

  lagSeconds(now = Date.now()): number {
    if (this.server && this.ours.includes(this.server)) return 0;
    if (this.server === undefined) return 0; // not known yet
    const since = this.lastCommitTsMs > 0 ? this.lastCommitTsMs : this.startedAt;
    return Math.max(0, (now - since) / 1000);
  }

  get serverPosition(): string | undefined {
    return this.server?.toString();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // MariaDB has gtid_binlog_pos, MySQL gtid_executed: whichever the server has.
      const [rows] = await this.pool.query<RowDataPacket[]>(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('gtid_binlog_pos', 'gtid_executed')",
      );
      const v = await withFullGtidValues(
        this.pool,
        new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value ?? '')])),
      );
      this.server = GtidState.parse(v.get('gtid_binlog_pos') ?? v.get('gtid_executed') ?? '');
    } catch {
      // The reader reports connection problems; lag keeps its last basis meanwhile.
    } finally {
      this.polling = false;
    }
  }
}
