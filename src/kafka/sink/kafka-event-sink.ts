import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import { type Logger, pino } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import { describeEvent } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import type { DeadLetterStore, IndexOp, OpOutcome, Sink, WriteResult } from '../../core/interfaces.js';
import { abortError, sleep } from '../../core/timers.js';
import { closeQuietly } from '../close-quietly.js';
import { clientOptions, type KafkaConnection } from '../connection.js';
import { type EncodedMessage, encodeEvent, type KafkaSinkFormat } from '../envelope.js';
import { partitionOf } from '../message-key.js';
import { TopicAdmin } from '../topic-admin.js';
import { compileTopicTemplate, type TopicNamer } from './topic-naming.js';

export interface KafkaEventSinkOptions {
  readonly pipeline: string;
  readonly connection: KafkaConnection;
  /** e.g. `syncline.{database}.{table}` (topic-naming.ts). */
  readonly topicTemplate: string;
  /** Partitions and replication factor of topics created on first use. */
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly format: KafkaSinkFormat;
  /** Messages per produce request (several writes are coalesced up to it). */
  readonly maxBatchMessages?: number;
  /** A message larger than this is dead-lettered instead of sent (the broker's max.message.bytes). */
  readonly maxMessageBytes?: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Where messages that can never be sent (too large, not encodable) go. */
  readonly deadLetters: DeadLetterStore;
  readonly logger?: Logger;
  /** Aborting it closes the sink: pending writes reject (AbortError), retries stop. */
  readonly signal?: AbortSignal;
}

export interface KafkaSinkCounters {
  messages: number;
  bytes: number;
  produceRequests: number;
  produceFailures: number;
  dead: number;
}

/** The most message bytes per produce request: under the broker's default message.max.bytes (1 MiB). */
const REQUEST_BYTES = 512 * 1024;

/** A record's size on the wire, roughly: key, value, headers and the per-record overhead. */
function sizeOf(m: Outgoing): number {
  let n = 64 + m.key.length + m.value.length;
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + String(v).length + 8;
  return n;
}

interface Outgoing {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** One write(): its ops, prepared into messages by the sender (in FIFO order), then settled together. */
interface Group {
  readonly ops: readonly IndexOp[];
  readonly outcomes: OpOutcome[];
  messages: Outgoing[] | undefined;
  dead: number;
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

/**
 * Publishes change events to Kafka instead of writing an index: one topic per table, key = table + key
 * columns (per-key order on one partition), value = the envelope, headers = op, version, position.
 *
 * The producer is idempotent with acks=all, and write() resolves only after the broker acknowledged every
 * message of the write, so the pipeline commits the source checkpoint only behind Kafka's acknowledgement.
 * Writes are sent strictly in call order by one sender (concurrent writes are coalesced into one produce
 * request while the previous one is in flight): a retried request is never overtaken by a later one, so
 * the order of a key's changes in its partition is the source order. Broker failures are retried with
 * capped, jittered backoff until they succeed (a fresh producer each time, so no stale producer state
 * survives a broker restart); nothing is dropped.
 */
export class KafkaEventSink implements Sink {
  readonly counters: KafkaSinkCounters = {
    messages: 0,
    bytes: 0,
    produceRequests: 0,
    produceFailures: 0,
    dead: 0,
  };
  private readonly log: Logger;
  private readonly topics: TopicAdmin;
  private readonly namer: TopicNamer;
  private readonly queue: Group[] = [];
  private readonly stop = new AbortController();
  private producer: Producer<Buffer, Buffer, string, string> | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxMessageBytes: number;

  constructor(private readonly o: KafkaEventSinkOptions) {
    this.log = (o.logger ?? pino({ level: 'silent' })).child({
      component: 'kafka-sink',
      pipeline: o.pipeline,
    });
    this.namer = compileTopicTemplate(o.topicTemplate);
    this.topics = new TopicAdmin({
      connection: o.connection,
      partitions: o.partitions,
      replicationFactor: o.replicationFactor,
      logger: this.log,
    });
    this.maxBatch = o.maxBatchMessages ?? 5_000;
    this.maxMessageBytes = o.maxMessageBytes ?? 1_000_000;
    o.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** The topic an event of database.table is published to. */
  topicOf(database: string, table: string): string {
    return this.namer({ database, table, pipeline: this.o.pipeline });
  }

  write(ops: readonly IndexOp[], signal?: AbortSignal): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('kafka sink is closed'));
    if (ops.length === 0) return Promise.resolve({ outcomes: [], ok: 0, stale: 0, dead: 0, retried: 0 });
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<WriteResult>((resolve, reject) => {
      const group: Group = {
        ops,
        outcomes: new Array<OpOutcome>(ops.length).fill('ok'),
        messages: undefined,
        dead: 0,
        resolve,
        reject,
      };
      if (signal) {
        // The caller stops waiting; the messages may still be sent (at-least-once, versions make it harmless).
        const onAbort = () => reject(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        group.resolve = (r) => {
          done();
          resolve(r);
        };
        group.reject = (e) => {
          done();
          reject(e);
        };
      }
      this.queue.push(group);
      this.kick();
    });
  }

  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // An AbortError: the pipeline treats it as a stop (commits what was acknowledged), not as a failure.
    const reason = new DOMException('kafka sink closed', 'AbortError');
    this.stop.abort(reason);
    await this.sending?.catch(() => {});
    for (const g of this.queue.splice(0)) g.reject(reason);
    await Promise.allSettled([closeQuietly(this.producer), this.topics.close()]);
    this.producer = undefined;
  }

  private kick(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = this.drain()
      .catch((e: unknown) => {
        // Only abort ends the loop; every pending write learns it.
        for (const g of this.queue.splice(0)) g.reject(e);
      })
      .finally(() => {
        this.sending = undefined;
        if (!this.closed) this.kick();
      });
  }

  /** Sends the queue head-first: prepares groups, coalesces them into one request, retries until acked. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Group[] = [];
      let count = 0;
      for (const g of this.queue) {
        if (batch.length > 0 && count >= this.maxBatch) break;
        await this.prepare(g);
        batch.push(g);
        count += g.messages!.length;
      }
      const messages = batch.flatMap((g) => g.messages!);
      if (messages.length > 0) await this.send(messages);
      this.queue.splice(0, batch.length);
      for (const g of batch) {
        const dead = g.dead;
        g.resolve({ outcomes: g.outcomes, ok: g.ops.length - dead, stale: 0, dead, retried: 0 });
      }
    }
  }

  /** Encodes a group's events and places them on partitions (creating topics on first use). */
  private async prepare(g: Group): Promise<void> {
    if (g.messages) return;
    const out: Outgoing[] = [];
    for (let i = 0; i < g.ops.length; i++) {
      const op = g.ops[i]!;
      const ev = op.event;
      let encoded: EncodedMessage;
      try {
        encoded = encodeEvent(ev, this.o.format, this.o.pipeline);
        if (encoded.value.length > this.maxMessageBytes) {
          throw new Error(
            `message of ${encoded.value.length} bytes exceeds the limit of ${this.maxMessageBytes} (sink.maxMessageBytes / the topic's max.message.bytes)`,
          );
        }
      } catch (e) {
        await this.deadLetter(op, errorMessage(e));
        g.outcomes[i] = 'dead';
        g.dead++;
        continue;
      }
      const topic = this.topicOf(ev.source.database, ev.source.table);
      const partitions = await this.retrying(`create/describe topic ${topic}`, () =>
        this.topics.partitionsOf(topic),
      );
      const key = Buffer.from(encoded.key, 'utf8');
      const base = { topic, key, value: encoded.value, headers: encoded.headers };
      if (ev.op === 't') {
        // A truncate must reach every partition: each copy follows the older changes of its partition.
        for (let p = 0; p < partitions; p++) out.push({ ...base, partition: p });
      } else {
        out.push({ ...base, partition: partitionOf(key, partitions) });
      }
    }
    g.messages = out;
  }

  /**
   * Sends in requests of at most REQUEST_BYTES, in order: one request carries one record batch per
   * partition and the broker refuses a batch above its message.max.bytes (1 MiB by default) — a failover's
   * replay of a backlog into a one-partition topic was refused on every retry and stalled the pipeline.
   */
  private async send(messages: Outgoing[]): Promise<void> {
    let chunk: Outgoing[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = sizeOf(m);
      if (chunk.length > 0 && bytes + size > REQUEST_BYTES) {
        await this.sendRequest(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length > 0) await this.sendRequest(chunk);
  }

  private async sendRequest(messages: Outgoing[]): Promise<void> {
    await this.retrying(`produce ${messages.length} messages`, async () => {
      this.counters.produceRequests++;
      try {
        await this.producerNow().send({ messages });
      } catch (e) {
        this.counters.produceFailures++;
        // A producer that failed may hold stale sequence/epoch state; the next attempt starts clean.
        const p = this.producer;
        this.producer = undefined;
        void closeQuietly(p);
        throw e;
      }
    });
    this.counters.messages += messages.length;
    for (const m of messages) this.counters.bytes += m.value.length;
  }

  private producerNow(): Producer<Buffer, Buffer, string, string> {
    this.producer ??= new Producer<Buffer, Buffer, string, string>({
      ...clientOptions(this.o.connection, `producer-${this.o.pipeline}`),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
    return this.producer;
  }

  /** Runs fn until it succeeds, sleeping a capped jittered backoff between failures; only close ends it. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.stop.signal.aborted) throw abortError(this.stop.signal);
      try {
        const r = await fn();
        if (attempt > 0) this.log.info({ attempts: attempt + 1 }, `kafka: ${what} succeeded after retries`);
        return r;
      } catch (e) {
        if (e instanceof SynclineError && e.kind === 'KAFKA_TOPIC_SETUP_FAILED') {
          // Not transient, but dropping is not an option either: say what to fix, keep trying slowly.
          this.log.error({ err: e.message }, `${e.code} ${e.message} → ${e.hint}`);
        } else if (attempt === 0 || attempt % 10 === 0) {
          const err = new SynclineError('KAFKA_UNREACHABLE', `kafka: ${what} failed: ${errorMessage(e)}`, {
            cause: e,
          });
          this.log.warn({ attempt: attempt + 1 }, `${err.code} ${err.message} → ${err.hint}`);
        }
        await sleep(fullJitter(attempt, this.o.retry), this.stop.signal);
      }
    }
  }

  private async deadLetter(op: IndexOp, error: string): Promise<void> {
    const ev = op.event;
    this.log.warn({ err: error }, `dead letter: ${describeEvent(ev)}`);
    await this.retrying('store a dead letter', () =>
      this.o.deadLetters.put({
        pipeline: this.o.pipeline,
        index: this.topicOf(ev.source.database, ev.source.table),
        docId: JSON.stringify(ev.key),
        kind: 'rejected',
        error,
        attempts: 1,
        event: ev,
      }),
    );
    this.counters.dead++;
  }
}
