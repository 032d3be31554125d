import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import type { ChangeEvent } from '../../core/change-event.js';
import { errorMessage } from '../../core/errors.js';
import { eventToJson } from '../../core/event-json.js';
import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterKind,
  DeadLetterStore,
} from '../../core/interfaces.js';
import { abortError, sleep } from '../../core/timers.js';
import { closeQuietly } from '../close-quietly.js';
import { clientOptions, type KafkaConnection } from '../connection.js';
import { TopicAdmin } from '../topic-admin.js';
import type { RawMessage } from './raw-message.js';

/** Headers a DLQ message carries on top of the original message's own headers. */
export const DLQ_HEADER = {
  reason: 'syncline-dlq-reason',
  /** undecodable, or the dead-letter kind of docs/sink.md (conversion, rejected, retries-exhausted, …) */
  kind: 'syncline-dlq-kind',
  topic: 'syncline-dlq-topic',
  partition: 'syncline-dlq-partition',
  offset: 'syncline-dlq-offset',
  pipeline: 'syncline-dlq-pipeline',
  group: 'syncline-dlq-group',
  index: 'syncline-dlq-index',
  docId: 'syncline-dlq-doc-id',
  at: 'syncline-dlq-at',
} as const;

export type DlqKind = 'undecodable' | DeadLetterKind;

export interface DeadLetterTopicOptions {
  readonly connection: KafkaConnection;
  readonly pipeline: string;
  readonly groupId: string;
  /** DLQ topic = original topic + suffix. */
  readonly suffix: string;
  readonly replicationFactor: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly logger: Logger;
}

/**
 * The dead-letter topics of a Kafka source: `<topic><suffix>` (default `<topic>.dlq`), one partition each.
 * A DLQ message is the original record — same key, same value bytes, original headers — plus the reason
 * and the original topic/partition/offset in headers, so it can be inspected and re-published as is.
 * publish() resolves once the broker acknowledged it (acks=all) and retries until then: the original's
 * offset is committed only behind it.
 */
export class DeadLetterTopic {
  private readonly admin: TopicAdmin;
  private producer: Producer<Buffer, Buffer, string, Buffer> | undefined;
  private readonly stop = new AbortController();
  published = 0;

  constructor(private readonly o: DeadLetterTopicOptions) {
    this.admin = new TopicAdmin({
      connection: o.connection,
      partitions: 1,
      replicationFactor: o.replicationFactor,
      logger: o.logger,
    });
  }

  topicFor(topic: string): string {
    return `${topic}${this.o.suffix}`;
  }

  async publish(
    original: RawMessage,
    kind: DlqKind,
    reason: string,
    extra: { index?: string; docId?: string | null } = {},
  ): Promise<void> {
    const topic = this.topicFor(original.topic);
    const headers = new Map<string, Buffer>(original.headers);
    const set = (k: string, v: string) => headers.set(k, Buffer.from(v, 'utf8'));
    set(DLQ_HEADER.reason, reason.length > 4000 ? `${reason.slice(0, 3997)}...` : reason);
    set(DLQ_HEADER.kind, kind);
    set(DLQ_HEADER.topic, original.topic);
    set(DLQ_HEADER.partition, String(original.partition));
    set(DLQ_HEADER.offset, original.offset.toString());
    set(DLQ_HEADER.pipeline, this.o.pipeline);
    set(DLQ_HEADER.group, this.o.groupId);
    set(DLQ_HEADER.at, new Date().toISOString());
    if (extra.index) set(DLQ_HEADER.index, extra.index);
    if (extra.docId) set(DLQ_HEADER.docId, extra.docId);
    const message = {
      topic,
      ...(original.key !== undefined && { key: original.key }),
      ...(original.value !== undefined && { value: original.value }),
      headers,
    };
    for (let attempt = 0; ; attempt++) {
      if (this.stop.signal.aborted) throw abortError(this.stop.signal);
      try {
        await this.admin.partitionsOf(topic);
        this.producer ??= new Producer<Buffer, Buffer, string, Buffer>({
          ...clientOptions(this.o.connection, `dlq-${this.o.pipeline}`),
          idempotent: true,
          acks: ProduceAcks.ALL,
          serializers: { headerKey: (s?: string) => (s === undefined ? undefined : Buffer.from(s)) },
        });
        await this.producer.send({ messages: [message] });
        this.published++;
        this.o.logger.warn(
          { topic, kind, from: `${original.topic}[${original.partition}]@${original.offset}` },
          `dead letter to ${topic}: ${reason}`,
        );
        return;
      } catch (e) {
        const p = this.producer;
        this.producer = undefined;
        void closeQuietly(p);
        if (attempt === 0 || attempt % 10 === 0)
          this.o.logger.warn(
            { topic, attempt: attempt + 1 },
            `DLQ publish to ${topic} failed: ${errorMessage(e)}; retrying`,
          );
        await sleep(fullJitter(attempt, this.o.retry), this.stop.signal);
      }
    }
  }

  async close(): Promise<void> {
    this.stop.abort(new Error('dead-letter topic closed'));
    await Promise.allSettled([closeQuietly(this.producer), this.admin.close()]);
    this.producer = undefined;
  }
}

/**
 * The dead-letter store of a pipeline that reads Kafka: what the mapping or the index rejects goes to
 * the original message's DLQ topic (reason and origin in headers) and also to the pipeline's regular
 * store, where the admin API lists and replays it. `origins` maps each decoded event to its record.
 */
export class KafkaDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly inner: DeadLetterStore,
    private readonly topic: DeadLetterTopic,
    private readonly origins: WeakMap<ChangeEvent, RawMessage>,
    private readonly pipeline: string,
  ) {}

  async put(entry: DeadLetterEntry): Promise<number> {
    const origin = this.origins.get(entry.event) ?? {
      // Not from a record of this source (should not happen): publish the event itself.
      topic: this.pipeline,
      partition: -1,
      offset: -1n,
      key: undefined,
      value: Buffer.from(eventToJson(entry.event), 'utf8'),
      headers: new Map<string, Buffer>(),
      timestamp: 0n,
    };
    await this.topic.publish(origin, entry.kind, entry.error, { index: entry.index, docId: entry.docId });
    return this.inner.put(entry);
  }

  list(filter?: DeadLetterFilter): Promise<DeadLetterEntry[]> {
    return this.inner.list(filter);
  }

  counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>> {
    return this.inner.counts();
  }

  remove(ids: readonly number[]): Promise<number> {
    return this.inner.remove(ids);
  }
}
