import type { Position } from '../../core/change-event.js';
import type { CheckpointStore } from '../../core/interfaces.js';

/**
 * The checkpoint store of a pipeline that reads Kafka. Its real checkpoint is the consumer group's
 * committed offsets (KafkaSource commits them behind the sink's acknowledgements), shared by every
 * process of the group; nothing is written to the pipeline checkpoint table. load() returns a position
 * that only names the group, for the start-up log.
 */
export class GroupOffsetsCheckpoint implements CheckpointStore {
  constructor(private readonly groupId: string) {}

  async load(): Promise<Position> {
    return {
      version: 0n,
      checkpoint: { kafkaGroup: this.groupId },
      label: `the committed offsets of Kafka group ${this.groupId}`,
    };
  }

  async commit(): Promise<void> {}

  async close(): Promise<void> {}
}
