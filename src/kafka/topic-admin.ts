import { Admin } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { SynclineError } from '../core/errors.js';
import { abortError, sleep } from '../core/timers.js';
import { clientOptions, type KafkaConnection } from './connection.js';

export interface TopicAdminOptions {
  readonly connection: KafkaConnection;
  /** Partitions and replication factor of topics Syncline creates. */
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly logger: Logger;
}

/**
 * Creates topics on first use (Kafka's auto-creation is not relied on: it would use the broker's
 * defaults) and remembers each topic's partition count, which the sink needs to place keys itself.
 */
export class TopicAdmin {
  private readonly admin: Admin;
  private readonly partitions = new Map<string, number>();
  private readonly creating = new Map<string, Promise<number>>();

  constructor(private readonly o: TopicAdminOptions) {
    this.admin = new Admin(clientOptions(o.connection, 'admin'));
  }

  /** Partition count of a topic; creates it first when it does not exist. Rejects on broker errors. */
  async partitionsOf(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    let p = this.creating.get(topic);
    if (!p) {
      p = this.ensure(topic).finally(() => this.creating.delete(topic));
      this.creating.set(topic, p);
    }
    return p;
  }

  private async ensure(topic: string): Promise<number> {
    try {
      await this.admin.createTopics({
        topics: [topic],
        partitions: this.o.partitions,
        replicas: this.o.replicationFactor,
      });
      this.o.logger.info(
        { topic, partitions: this.o.partitions, replicationFactor: this.o.replicationFactor },
        `kafka: created topic ${topic}`,
      );
    } catch (e) {
      if (!hasApiError(e, 'TOPIC_ALREADY_EXISTS')) {
        if (hasApiError(e, 'INVALID_REPLICATION_FACTOR') || hasApiError(e, 'POLICY_VIOLATION')) {
          throw new SynclineError(
            'KAFKA_TOPIC_SETUP_FAILED',
            `cannot create topic ${topic}: ${(e as Error).message} ${apiErrors(e)}`,
            { cause: e },
          );
        }
        throw e;
      }
    }
    // A new topic's partitions get leaders a moment after CreateTopics answers.
    for (let i = 0; ; i++) {
      const md = await this.admin.metadata({ topics: [topic], forceUpdate: true });
      const t = md.topics.get(topic);
      if (t && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) {
        this.partitions.set(topic, t.partitionsCount);
        return t.partitionsCount;
      }
      if (i >= 50) throw new Error(`topic ${topic} has no leader for every partition yet`);
      await sleep(100);
    }
  }

  /** Forgets what is known (after a broker restart a topic may have been recreated elsewhere). */
  reset(): void {
    this.partitions.clear();
  }

  async deleteTopics(topics: readonly string[], signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    await this.admin.deleteTopics({ topics: [...topics] });
    for (const t of topics) this.partitions.delete(t);
  }

  async close(): Promise<void> {
    await this.admin.close().catch(() => {});
  }
}

/** True when a @platformatic/kafka error (or one it aggregates) carries the broker error `apiId`. */
export function hasApiError(e: unknown, apiId: string): boolean {
  const find = (e as { findBy?: (k: string, v: unknown) => unknown } | null)?.findBy;
  return typeof find === 'function' && find.call(e, 'apiId', apiId) != null;
}

function apiErrors(e: unknown): string {
  const errors = (e as { errors?: Array<{ apiId?: string; message?: string }> }).errors;
  return errors ? `(${errors.map((x) => x.apiId ?? x.message).join(', ')})` : '';
}
