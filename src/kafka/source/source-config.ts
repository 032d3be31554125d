import type { KafkaSourceConfig } from '../../config/schema.js';
import { SynclineError } from '../../core/errors.js';

/**
 * What the schema cannot say about a Kafka source: topics xor topicPattern, a pattern that compiles, and
 * group timings the broker accepts. Throws SYNC_S0001 naming the key; returns the group id to use.
 */
export function checkKafkaSource(pipeline: string, s: KafkaSourceConfig): { groupId: string } {
  const at = `pipelines[${pipeline}].source`;
  const fail = (key: string, why: string) => {
    throw new SynclineError('CONFIG_INVALID', `${at}.${key}: ${why}`);
  };
  if (s.topics && s.topicPattern !== undefined) fail('topics', 'give topics or topicPattern, not both');
  if (!s.topics && s.topicPattern === undefined)
    fail('topics', 'a Kafka source needs topics (a list) or topicPattern (a regular expression)');
  if (s.topicPattern !== undefined) {
    try {
      new RegExp(s.topicPattern);
    } catch (e) {
      fail('topicPattern', `not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (s.heartbeatIntervalMs * 3 > s.sessionTimeoutMs)
    fail(
      'heartbeatIntervalMs',
      `must be at most sessionTimeoutMs / 3 (${Math.floor(s.sessionTimeoutMs / 3)})`,
    );
  if (s.rebalanceTimeoutMs < s.sessionTimeoutMs)
    fail('rebalanceTimeoutMs', `must be at least sessionTimeoutMs (${s.sessionTimeoutMs})`);
  for (const t of s.topics ?? []) {
    if (t.endsWith(s.dlq.suffix)) fail('topics', `"${t}" is a dead-letter topic (ends with ${s.dlq.suffix})`);
  }
  return { groupId: s.groupId ?? `syncline.${pipeline}` };
}
