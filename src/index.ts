/**
 * `syncline`: the supported library surface. Everything a program embedding Syncline may rely on is
 * exported from here (plus `syncline/sdk` for dual-write and `syncline/typeorm` for ORM hooks);
 * anything reached through a deeper path is internal and may change in any release.
 *
 *   import { defineConfig, resolveConfig, Pipeline, BulkSink, SearchClient } from 'syncline';
 */

export { FileCheckpointStore, MysqlCheckpointStore } from './checkpoint/index.js';
// Configuration (docs/configuration.md)
export { defineConfig, type SynclineConfigInput } from './config/define.js';
export { DEFAULT_CONFIG_FILE, type LoadOptions, loadConfig, resolveConfig } from './config/load.js';
export {
  type ApiConfig,
  type BinlogSourceConfig,
  ConfigSchema,
  type IndexDefinition,
  type IngestConfig,
  type KafkaSourceConfig,
  type MappingConfig,
  type OutboxSourceConfig,
  type PipelineConfig,
  type PipelineSinkConfig,
  type PollingSourceConfig,
  type ReconcileConfig,
  type SdkConfig,
  type SinkConfig,
  type SynclineConfig,
} from './config/schema.js';
// The change-event model (docs/events.md)
export type { ChangeEvent, Connector, Op, Position, Row, SourceInfo } from './core/change-event.js';
export {
  composeVersion,
  describeEvent,
  MAX_SUB,
  MAX_VERSION,
  VERSION_SUB_BITS,
} from './core/change-event.js';
// The error catalog: stable codes (docs/operations.md)
export { ErrorCodes, type ErrorKind, errorMessage, isSynclineError, SynclineError } from './core/errors.js';
export {
  eventFromJson,
  eventToJson,
  fromJson,
  positionFromJson,
  positionToJson,
  toJson,
} from './core/event-json.js';
// The contracts a source, mapping, sink or store implements
export type {
  Batch,
  CheckpointStore,
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterKind,
  DeadLetterStore,
  IndexOp,
  Mapping,
  OpOutcome,
  Sink,
  Source,
  WriteResult,
} from './core/interfaces.js';
export { Pipeline, type PipelineOptions, type PipelineState } from './core/pipeline.js';
export { MysqlDeadLetterStore } from './dead-letter/mysql-dead-letter-store.js';
export { MappingSet, type MappingSetOptions } from './mapping/mapping-set.js';
export { TableMapping, type TableMappingOptions } from './mapping/table-mapping.js';
// The stock implementations: versioned bulk sink, search client, mappings, stores
export { BulkSink, type BulkSinkOptions } from './sinks/search/bulk-sink.js';
export {
  type EngineInfo,
  SearchClient,
  type SearchClientOptions,
  type SearchResponse,
} from './sinks/search/client.js';
