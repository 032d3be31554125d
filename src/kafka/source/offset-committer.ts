import type { Consumer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: last processed + 1 (Kafka's committed-offset convention). */
  readonly offset: bigint;
  /**
   * The ownership the messages were read under: `<memberId>#<term>`, the term counting the times this
   * member lost the partition. Offsets are committed only while that ownership lasts
   * (docs/ha.md#kafka-sourced-pipelines).
   */
  readonly generation?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the committer only calls commit() and reads assignments.
type AnyConsumer = Consumer<any, any, any, any>;

/**
 * The consumer group's committed offsets are the Kafka source's checkpoint. Batches are acknowledged by
 * the pipeline strictly in order, only after the sink applied or dead-lettered every event in them;
 * acked() records their offsets and a commit follows at most `intervalMs` later (coalesced: one request
 * for all partitions). An offset is therefore committed only when everything before it in its partition
 * is indexed or dead-lettered. A failed commit (rebalance, broker away) keeps the offsets for the next
 * attempt; offsets of partitions this member no longer owns are dropped — their new owner replays from
 * the group's last commit, which the versions make harmless.
 *
 * Fencing (HA): offsets read under another ownership than the current one are never committed — a member
 * that lost the partition since (removed after its session timed out while it was frozen: a new member
 * id; or rebalanced away: a new term) drops them and does not move the group's offsets its successor
 * owns. A rebalance in which the member keeps the partition changes nothing. The broker checks the
 * membership too (OffsetCommit carries member id + generation).
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, PartitionOffset>();
  private readonly committed = new Map<string, bigint>();
  private consumer: AnyConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private lastCommitAt = 0;
  commits = 0;
  failures = 0;
  /** Offsets dropped because they were read under an older membership or generation (fenced). */
  fenced = 0;

  /**
   * @param ownership the current ownership stamp of a partition (`topic:partition`), compared with the
   *   stamp its offsets were read under; undefined: no fencing (tests).
   */
  constructor(
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly ownership?: (partition: string) => string,
  ) {}

  /** The consumer to commit through (undefined while reconnecting: offsets wait). */
  use(consumer: AnyConsumer | undefined): void {
    this.consumer = consumer;
    if (consumer && this.pending.size > 0) this.schedule();
  }

  acked(offsets: Iterable<PartitionOffset>): void {
    for (const o of offsets) {
      const k = `${o.topic}:${o.partition}`;
      const cur = this.pending.get(k);
      if ((!cur || cur.offset < o.offset) && (this.committed.get(k) ?? -1n) < o.offset)
        this.pending.set(k, o);
    }
    if (this.pending.size > 0) this.schedule();
  }

  get pendingPartitions(): number {
    return this.pending.size;
  }

  /** The last committed offset of each partition (topic:partition → next offset). */
  get committedOffsets(): ReadonlyMap<string, bigint> {
    return this.committed;
  }

  /** Commits what is pending now; resolves true when nothing is left pending. Never rejects. */
  async flush(): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inflight) await this.inflight;
    if (this.pending.size === 0) return true;
    this.inflight = this.commitNow().finally(() => {
      this.inflight = undefined;
    });
    await this.inflight;
    return this.pending.size === 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || !this.consumer) return;
    const wait = Math.max(0, this.lastCommitAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((done) => {
        if (!done) this.schedule();
      });
    }, wait);
    this.timer.unref();
  }

  private async commitNow(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const assigned = consumer.assignments;
    if (!assigned) return; // between generations: try again after the rejoin
    const owned = new Set<string>();
    for (const a of assigned) for (const p of a.partitions) owned.add(`${a.topic}:${p}`);
    const batch: PartitionOffset[] = [];
    for (const [k, o] of this.pending) {
      const current = this.ownership?.(k);
      if (o.generation !== undefined && current !== undefined && o.generation !== current) {
        this.fenced++;
        this.pending.delete(k);
        this.log.warn(
          { partition: k, readUnder: o.generation, now: current },
          'kafka: offset not committed: read under a revoked membership/generation (fenced)',
        );
      } else if (owned.has(k)) batch.push(o);
      else this.pending.delete(k);
    }
    if (batch.length === 0) return;
    for (const o of batch) this.pending.delete(`${o.topic}:${o.partition}`);
    this.lastCommitAt = Date.now();
    try {
      await consumer.commit({
        offsets: batch.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          leaderEpoch: -1,
        })),
      });
      this.commits++;
      for (const o of batch) {
        const k = `${o.topic}:${o.partition}`;
        if ((this.committed.get(k) ?? -1n) < o.offset) this.committed.set(k, o.offset);
      }
    } catch (e) {
      this.failures++;
      // Keep them (unless a newer ack superseded them) for the next attempt.
      for (const o of batch) {
        const k = `${o.topic}:${o.partition}`;
        const cur = this.pending.get(k);
        if (!cur || cur.offset < o.offset) this.pending.set(k, o);
      }
      this.log.warn(
        { err: errorMessage(e), partitions: batch.length },
        'kafka: offset commit failed; will retry',
      );
    }
  }
}
