import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { PollingSourceConfig, SynclineConfig } from '../../config/schema.js';
import type { CheckpointStore, DeadLetterStore, Mapping } from '../../core/interfaces.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { BulkSink } from '../../sinks/search/bulk-sink.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { createSearchPipeline } from '../../sinks/search/search-pipeline.js';
import { PollingSource } from './polling-source.js';

export interface PollingPipelineHandle {
  readonly pipeline: Pipeline;
  readonly source: PollingSource;
  readonly sink: BulkSink;
}

export interface PollingPipelineDeps {
  config: SynclineConfig;
  pool: Pool;
  search: SearchClient;
  mappings: Mapping;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  onBulk?: (pipeline: string, latencyMs: number, items: number) => void;
}

/** One polling pipeline from its config: polling source → mappings → bulk sink, cursor checkpointed. */
export function createPollingPipeline(
  p: { name: string; source: PollingSourceConfig },
  deps: PollingPipelineDeps,
): PollingPipelineHandle {
  const { config, logger } = deps;
  const source = new PollingSource({
    name: p.name,
    pool: deps.pool,
    config: p.source,
    keyColumns: new Map(config.mappings.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!])),
    datetimeZones: new Map(config.mappings.map((m) => [m.table, m.datetimeZone])),
    logger,
  });
  const { pipeline, sink } = createSearchPipeline({
    name: p.name,
    source,
    mapping: deps.mappings,
    search: deps.search,
    sinkConfig: config.sink,
    checkpoints: deps.checkpoints,
    deadLetters: deps.deadLetters,
    logger,
    onBulk: deps.onBulk,
  });
  return { pipeline, source, sink };
}
