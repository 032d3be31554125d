import { SynclineError } from '../../core/errors.js';

/** Kafka accepts topic names of [a-zA-Z0-9._-], at most 249 characters. */
const LEGAL = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;
const PLACEHOLDER = /\{([^}]*)\}/g;
const KNOWN = new Set(['database', 'table', 'pipeline']);

export interface TopicContext {
  readonly database: string;
  readonly table: string;
  readonly pipeline: string;
}

export type TopicNamer = (ctx: TopicContext) => string;

/**
 * Compiles a topic template such as `syncline.{database}.{table}` (placeholders: {database}, {table},
 * {pipeline}). Characters Kafka does not allow in a topic name that come from a placeholder's value are
 * replaced by '_'; literal text must already be legal. Throws SYNC_S0001 naming the key when it is not.
 */
export function compileTopicTemplate(template: string, key = 'sink.topicTemplate'): TopicNamer {
  const literal = template.replace(PLACEHOLDER, (_m, name: string) => {
    if (!KNOWN.has(name)) {
      throw new SynclineError(
        'CONFIG_INVALID',
        `${key}: unknown placeholder {${name}} in "${template}" (known: {database}, {table}, {pipeline})`,
      );
    }
    return 'x';
  });
  if (!LEGAL.test(literal)) {
    throw new SynclineError(
      'CONFIG_INVALID',
      `${key}: "${template}" has characters Kafka does not allow in a topic name (allowed: a-z A-Z 0-9 . _ -)`,
    );
  }
  const cache = new Map<string, string>();
  return (ctx) => {
    const id = `${ctx.pipeline}\u0000${ctx.database}\u0000${ctx.table}`;
    let topic = cache.get(id);
    if (topic === undefined) {
      topic = template.replace(PLACEHOLDER, (_m, name: 'database' | 'table' | 'pipeline') =>
        ctx[name].replace(/[^a-zA-Z0-9._-]/g, '_'),
      );
      if (topic.length > MAX_TOPIC_LENGTH) {
        throw new SynclineError(
          'CONFIG_INVALID',
          `${key}: topic "${topic.slice(0, 60)}…" is longer than ${MAX_TOPIC_LENGTH} characters; shorten the template`,
        );
      }
      cache.set(id, topic);
    }
    return topic;
  };
}

/** A topic name typed by a user (source topics, DLQ topics): legal characters and length. */
export function isLegalTopic(name: string): boolean {
  return (
    name.length > 0 && name.length <= MAX_TOPIC_LENGTH && LEGAL.test(name) && name !== '.' && name !== '..'
  );
}
