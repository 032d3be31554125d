import type { Logger } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import type { CheckpointStore, DeadLetterStore, Mapping, Source } from '../../core/interfaces.js';
import { Pipeline } from '../../core/pipeline.js';
import { BulkSink } from './bulk-sink.js';
import type { SearchClient } from './client.js';

export interface SearchPipelineParts {
  name: string;
  source: Source;
  mapping: Mapping;
  search: SearchClient;
  sinkConfig: SinkConfig;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  onBulk?: ((pipeline: string, ms: number, items: number) => void) | undefined;
  /** Aborts the sink's waits and retries (a hard stop), beyond the pipeline's own signal. */
  sinkSignal?: AbortSignal | undefined;
}

/** Any source into the search engine: the bulk sink and the pipeline that every source type shares. */
export function createSearchPipeline(o: SearchPipelineParts): { pipeline: Pipeline; sink: BulkSink } {
  const sink = new BulkSink({
    client: o.search,
    config: o.sinkConfig,
    deadLetters: o.deadLetters,
    pipeline: o.name,
    logger: o.logger,
    ...(o.sinkSignal && { signal: o.sinkSignal }),
    ...(o.onBulk && { onBulk: (ms: number, items: number) => o.onBulk?.(o.name, ms, items) }),
  });
  const pipeline = new Pipeline({
    name: o.name,
    source: o.source,
    mapping: o.mapping,
    sink,
    checkpoints: o.checkpoints,
    deadLetters: o.deadLetters,
    logger: o.logger,
  });
  return { pipeline, sink };
}
