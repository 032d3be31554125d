import type { Pool, RowDataPacket } from 'mysql2/promise';
import { formatGtidPosition, type GtidPosition, hasReached, parseGtidPosition } from './gtid.js';

/**
 * Replication lag as Debezium-style users expect it: now − commit time of the last transaction processed,
 * and 0 when caught up, i.e. when what was processed has reached the server's @@gtid_binlog_pos (polled
 * every pollMs) or a heartbeat arrived with nothing left to read.
 */
export class LagTracker {
  private server: GtidPosition | undefined;
  private ours: GtidPosition = new Map();
  private lastCommitTsMs = 0;
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly pool: Pool,
    private readonly pollMs: number,
  ) {}

  start(position: string): void {
    this.ours = parseGtidPosition(position);
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
    this.ours = parseGtidPosition(position);
    if (commitTsMs > 0) this.lastCommitTsMs = commitTsMs;
  }

  /** The server had nothing more to send when it sent this heartbeat, and everything before it was processed. */
  caughtUp(): void {
    this.server = this.ours;
  }

  lagSeconds(now = Date.now()): number {
    if (this.server && hasReached(this.ours, this.server)) return 0;
    if (this.server === undefined) return 0; // not known yet
    const since = this.lastCommitTsMs > 0 ? this.lastCommitTsMs : this.startedAt;
    return Math.max(0, (now - since) / 1000);
  }

  get serverPosition(): string | undefined {
    return this.server ? formatGtidPosition(this.server) : undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const [rows] = await this.pool.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
      this.server = parseGtidPosition(String(rows[0]?.pos ?? ''));
    } catch {
      // The reader reports connection problems; lag keeps its last basis meanwhile.
    } finally {
      this.polling = false;
    }
  }
}
