import { Admin, Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import { type Logger, pino } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import type { ChangeEvent, Position } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import type { Batch, Source } from '../../core/interfaces.js';
import { sleep } from '../../core/timers.js';
import { closeQuietly } from '../close-quietly.js';
import { clientOptions, type KafkaConnection } from '../connection.js';
import { readBatch } from './batch-reader.js';
import type { DeadLetterTopic } from './dead-letter-topic.js';
import { createMessageDecoder, type KafkaSourceFormat, type MessageDecoder } from './message-decoder.js';
import { OffsetCommitter, type PartitionOffset } from './offset-committer.js';
import { type RawMessage, where } from './raw-message.js';
import { sameTopics, TopicResolver } from './topic-resolver.js';

export interface KafkaSourceOptions {
  readonly name: string;
  readonly connection: KafkaConnection;
  readonly topics?: readonly string[];
  readonly topicPattern?: string;
  readonly groupId: string;
  readonly format: KafkaSourceFormat;
  readonly dlq: DeadLetterTopic;
  readonly dlqSuffix: string;
  /** Classic group protocol timings (docs/kafka.md#rebalances). */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /** Messages per batch handed to the pipeline. */
  readonly batchSize: number;
  /** Longest a fetch waits on the broker for data. */
  readonly maxWaitMs: number;
  /** Offsets are committed at most this often (and on stop). */
  readonly commitIntervalMs: number;
  /** How often the topic list / pattern is re-checked for new topics. */
  readonly topicRefreshMs: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly logger?: Logger;
  /** Decoder override (tests); default from `format`. */
  readonly decoder?: MessageDecoder;
  /** This worker's HA identity, carried in the consumer's client id so every member can name the others. */
  readonly workerId?: string;
}

/** A member of the consumer group as the broker describes it (docs/ha.md#kafka-sourced-pipelines). */
export interface GroupMemberView {
  /** The worker id taken from the member's client id (or the client id itself for foreign members). */
  worker: string;
  partitions: string[];
}

/** Separates the pipeline role from the worker id in a consumer's client id. */
export const WORKER_MARK = '@worker=';

interface Session {
  readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  readonly topics: string[];
}

export interface KafkaSourceCounters {
  messages: number;
  events: number;
  poison: number;
  reconnects: number;
  rebalances: number;
}

/**
 * Reads change events from Kafka as a member of a consumer group and hands them to the pipeline as
 * batches. The checkpoint is the group's committed offsets, not the pipeline's checkpoint store: `from`
 * is ignored, each batch's ack() (called in order after the sink applied or dead-lettered all of it)
 * releases its offsets to the committer, so an offset is committed only behind the index. A poison
 * message (undecodable, not an event) is published to `<topic>.dlq` with the reason before its batch is
 * handed on, so it is never lost and never blocks the partition. Any consumer failure (broker restart,
 * fenced member) closes the session and re-joins with capped backoff; uncommitted messages are delivered
 * again — at-least-once, and the external versions make the replays harmless.
 */
export class KafkaSource implements Source {
  readonly name: string;
  readonly counters: KafkaSourceCounters = {
    messages: 0,
    events: 0,
    poison: 0,
    reconnects: 0,
    rebalances: 0,
  };
  /** Decoded event → its record, for dead letters raised later by the mapping or the sink. */
  readonly origins = new WeakMap<ChangeEvent, RawMessage>();
  private readonly log: Logger;
  private readonly decode: MessageDecoder;
  private readonly committer: OffsetCommitter;
  private readonly admin: Admin;
  private readonly resolver: TopicResolver;
  private session: Session | undefined;
  private outstanding = 0;
  private ended = false;
  private closing: Promise<void> | undefined;
  /** The current assignment, for status: topic → partitions. */
  assignment: ReadonlyArray<{ topic: string; partitions: number[] }> = [];
  /** The generation of the group this member last joined (0 before the first join). */
  generationId = 0;
  /** When this member last joined a generation (ISO time). */
  joinedAt: string | undefined;
  /** Per partition: how many times this process lost it (a new term each time; fencing of offsets). */
  private readonly terms = new Map<string, number>();
  private owned = new Set<string>();

  constructor(private readonly o: KafkaSourceOptions) {
    this.name = o.name;
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'kafka-source', pipeline: o.name });
    this.decode = o.decoder ?? createMessageDecoder(o.format);
    this.committer = new OffsetCommitter(o.commitIntervalMs, this.log, (p) => this.ownershipOf(p));
    this.admin = new Admin(clientOptions(o.connection, `admin-${o.name}`));
    this.resolver = new TopicResolver(this.admin, {
      ...(o.topics && { topics: o.topics }),
      ...(o.topicPattern !== undefined && { topicPattern: o.topicPattern }),
      dlqSuffix: o.dlqSuffix,
    });
  }

  get groupId(): string {
    return this.o.groupId;
  }

  /** Committed offsets of this member (topic:partition → next offset), for status and tests. */
  get committedOffsets(): ReadonlyMap<string, bigint> {
    return this.committer.committedOffsets;
  }

  /** The ownership stamp of a partition now: the member id and the term (docs/ha.md). */
  private ownershipOf(partition: string): string {
    const member = this.session?.consumer.memberId ?? '-';
    return `${member}#${this.terms.get(partition) ?? 0}`;
  }

  /** A join's assignment: every partition owned before and not now starts a new term. */
  private assigned(assignment: ReadonlyArray<{ topic: string; partitions: number[] }>): void {
    this.assignment = assignment;
    const now = new Set(assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
    for (const p of this.owned) if (!now.has(p)) this.terms.set(p, (this.terms.get(p) ?? 0) + 1);
    this.owned = now;
  }

  /** Offsets dropped because their batch was read under a revoked membership or generation. */
  get fencedCommits(): number {
    return this.committer.fenced;
  }

  /** The group's members and their partitions, from the broker (undefined when it does not answer). */
  async groupMembers(): Promise<GroupMemberView[] | undefined> {
    try {
      const g = (await this.admin.describeGroups({ groups: [this.o.groupId] })).get(this.o.groupId);
      if (!g) return [];
      return [...g.members.values()].map((m) => {
        const at = m.clientId.indexOf(WORKER_MARK);
        return {
          worker: at >= 0 ? m.clientId.slice(at + WORKER_MARK.length) : m.clientId,
          partitions: [...(m.assignments?.values() ?? [])].flatMap((a) =>
            [...a.partitions].map((p) => `${a.topic}:${p}`),
          ),
        };
      });
    } catch {
      return undefined;
    }
  }

  async *start(_from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch> {
    let failures = 0;
    let topicsCheckedAt = 0;
    let waitingLogged = false;
    try {
      while (!signal.aborted) {
        try {
          const topics = await this.resolver.resolve();
          topicsCheckedAt = Date.now();
          if (topics.length === 0) {
            if (!waitingLogged)
              this.log.info(`${this.name}: waiting for topics ${this.resolver.describe()} to exist`);
            waitingLogged = true;
            await sleep(Math.min(this.o.topicRefreshMs, 2_000), signal).catch(() => {});
            continue;
          }
          const missing = this.resolver.missing(topics);
          if (missing.length > 0) this.log.info({ missing }, `${this.name}: some topics do not exist yet`);
          this.session = await this.open(topics);
          this.committer.use(this.session.consumer);
          for (;;) {
            const r = await readBatch<Message<Buffer, Buffer, Buffer, Buffer>>(
              this.session.stream,
              this.o.batchSize,
              signal,
              Math.max(100, Math.min(this.o.commitIntervalMs, 1_000)),
            );
            if (r.kind === 'end') break;
            if (r.kind === 'batch') {
              failures = 0;
              yield await this.toBatch(r.items);
            }
            if (Date.now() - topicsCheckedAt >= this.o.topicRefreshMs || missing.length > 0) {
              if (Date.now() - topicsCheckedAt >= Math.min(this.o.topicRefreshMs, 2_000)) {
                topicsCheckedAt = Date.now();
                const now = await this.resolver.resolve();
                if (!sameTopics(now, this.session.topics)) {
                  this.log.info({ topics: now }, `${this.name}: topic set changed; re-subscribing`);
                  break;
                }
              }
            }
          }
          if (signal.aborted) break;
          await this.retire();
        } catch (e) {
          if (signal.aborted) break;
          failures++;
          this.counters.reconnects++;
          const err = new SynclineError(
            'KAFKA_UNREACHABLE',
            `${this.name}: consumer failed: ${errorMessage(e)}`,
            {
              cause: e,
            },
          );
          if (failures === 1 || failures % 10 === 0)
            this.log.warn({ attempt: failures }, `${err.code} ${err.message} → ${err.hint}`);
          await this.retire();
          await sleep(fullJitter(failures, this.o.retry), signal).catch(() => {});
        }
      }
    } finally {
      // Keep the consumer for the acks of batches the pipeline still drains; close() or the last ack ends it.
      this.ended = true;
      this.session?.stream.pause();
      if (this.outstanding === 0) void this.close();
    }
  }

  /** Commits what was acknowledged, leaves the group and closes the clients. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ended = true;
      await this.committer.flush();
      this.committer.close();
      await this.retire();
      await Promise.allSettled([this.o.dlq.close(), this.admin.close()]);
    })();
    return this.closing;
  }

  private async open(topics: string[]): Promise<Session> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...clientOptions(
        this.o.connection,
        `consumer-${this.name}${this.o.workerId ? `${WORKER_MARK}${this.o.workerId}` : ''}`,
      ),
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: this.o.heartbeatIntervalMs,
      rebalanceTimeout: this.o.rebalanceTimeoutMs,
      maxWaitTime: this.o.maxWaitMs,
      autocommit: false,
    });
    // An 'error' event without a listener would crash the process; failures surface through the stream.
    consumer.on('error', (e: Error) => this.log.warn({ err: errorMessage(e) }, 'kafka consumer error'));
    consumer.on('consumer:group:rebalance', () => {
      this.counters.rebalances++;
    });
    try {
      const stream = await consumer.consume({
        topics,
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        highWaterMark: Math.max(16, this.o.batchSize * 2),
        sessionTimeout: this.o.sessionTimeoutMs,
        heartbeatInterval: this.o.heartbeatIntervalMs,
        rebalanceTimeout: this.o.rebalanceTimeoutMs,
      });
      // Without a reader attached the stream does not fetch (readableFlowing null); 'error' must be handled.
      stream.on('readable', () => {});
      stream.on('error', () => {});
      consumer.on('consumer:group:join', (p) => {
        // Re-read every partition from the group's committed offset, never from a position this member
        // had reached before the rebalance (those messages may not be committed by anyone).
        stream.offsetsToFetch.clear();
        this.generationId = consumer.generationId;
        this.joinedAt = new Date().toISOString();
        this.assigned((p.assignments ?? []).map((a) => ({ topic: a.topic, partitions: [...a.partitions] })));
        this.log.info({ assignments: this.assignment }, `${this.name}: joined group ${this.o.groupId}`);
      });
      this.assigned(
        (consumer.assignments ?? []).map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
      );
      this.generationId = consumer.generationId;
      this.joinedAt = new Date().toISOString();
      this.log.info(
        { topics, group: this.o.groupId, assignments: this.assignment },
        `${this.name}: consuming ${topics.length} topic(s) as group ${this.o.groupId}`,
      );
      return { consumer, stream, topics };
    } catch (e) {
      await closeQuietly(consumer);
      throw e;
    }
  }

  /** Ends the session: the committer waits for the next one; in-flight batches still ack. */
  private async retire(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    this.committer.use(undefined);
    await withTimeout(
      s.stream.close().catch(() => {}),
      5_000,
    );
    // Leaving the group hands our partitions to the other members at once (no session timeout wait).
    if (!(await withTimeout(closeQuietly(s.consumer), 10_000)))
      this.log.warn('kafka consumer did not close in 10 s');
    this.assigned([]);
  }

  private async toBatch(items: Message<Buffer, Buffer, Buffer, Buffer>[]): Promise<Batch> {
    const events: ChangeEvent[] = [];
    const offsets = new Map<string, PartitionOffset>();
    let version = 0n;
    for (const m of items) {
      this.counters.messages++;
      const raw = toRaw(m);
      const k = `${m.topic}:${m.partition}`;
      // the ownership these messages are read under: their offsets are committed only while it lasts
      offsets.set(k, {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1n,
        generation: this.ownershipOf(k),
      });
      let decoded: ChangeEvent[];
      try {
        decoded = this.decode(raw);
      } catch (e) {
        this.counters.poison++;
        // Stored before the batch goes on, so the offset behind it can be committed.
        await this.o.dlq.publish(raw, 'undecodable', `${errorMessage(e)} (at ${where(raw)})`);
        continue;
      }
      for (const ev of decoded) {
        this.origins.set(ev, raw);
        events.push(ev);
        if (ev.source.position.version > version) version = ev.source.position.version;
      }
    }
    this.counters.events += events.length;
    this.outstanding++;
    const list = [...offsets.values()];
    let acked = false;
    return {
      events,
      position: {
        version,
        checkpoint: {
          kafkaOffsets: Object.fromEntries(
            list.map((o) => [`${o.topic}:${o.partition}`, o.offset.toString()]),
          ),
        },
        label: labelOf(list),
      },
      ack: async () => {
        if (acked) return;
        acked = true;
        this.outstanding--;
        this.committer.acked(list);
        if (this.ended && this.outstanding === 0) await this.close();
      },
    };
  }
}

function toRaw(m: Message<Buffer, Buffer, Buffer, Buffer>): RawMessage {
  const headers = new Map<string, Buffer>();
  for (const [k, v] of m.headers) if (k) headers.set(k.toString('utf8'), v ?? Buffer.alloc(0));
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ?? undefined,
    value: m.value ?? undefined,
    headers,
    timestamp: m.timestamp,
  };
}

function labelOf(list: readonly PartitionOffset[]): string {
  const parts = list.map((o) => `${o.topic}[${o.partition}]@${o.offset}`);
  return `kafka ${parts.length > 4 ? `${parts.slice(0, 4).join(' ')} +${parts.length - 4}` : parts.join(' ')}`;
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((res) => {
    timer = setTimeout(() => res(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), t]);
  } finally {
    clearTimeout(timer);
  }
}
