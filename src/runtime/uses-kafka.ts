import type { SynclineConfig } from '../config/schema.js';

/**
 * True when `syncline run` needs a Kafka broker (a pipeline reads or writes Kafka). Kept apart from
 * kafka-pipelines.ts so that a process without Kafka never loads the Kafka client.
 */
export function usesKafka(config: Pick<SynclineConfig, 'pipelines'>): boolean {
  return config.pipelines.some((p) => p.source.type === 'kafka' || p.sink?.type === 'kafka');
}
