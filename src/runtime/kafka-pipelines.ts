import type { BinlogPipelineConfig, KafkaSourceConfig, PipelineConfig } from '../config/schema.js';
import { workerIdOf } from '../config/worker-id.js';
import type { ChangeEvent } from '../core/change-event.js';
import type { IndexOp, Mapping, RebuildContext, Sink, Source } from '../core/interfaces.js';
import { Pipeline } from '../core/pipeline.js';
import { EventPassThrough } from '../kafka/sink/event-mapping.js';
import { KafkaEventSink } from '../kafka/sink/kafka-event-sink.js';
import { DeadLetterTopic, KafkaDeadLetterStore } from '../kafka/source/dead-letter-topic.js';
import { GroupOffsetsCheckpoint } from '../kafka/source/group-checkpoint.js';
import { KafkaSource } from '../kafka/source/kafka-source.js';
import { checkKafkaSource } from '../kafka/source/source-config.js';
import { createSearchPipeline } from '../sinks/search/search-pipeline.js';
import { SnapshottingBinlogSource } from '../sources/mysql-binlog/snapshotting-source.js';
import { createBinlogSource } from '../sources/mysql-binlog/streaming/binlog-source.js';
import { currentBinlogPosition } from '../sources/mysql-binlog/streaming/position.js';
import { tableMatcher } from '../sources/mysql-binlog/table-patterns.js';
import type { PipelineDeps } from './pipelines.js';

/**
 * A pipeline with Kafka at one end (docs/kafka.md): capture → topics, or topics → index. `stop` (given
 * to the creators) ends the sink's retries: the runner aborts it when a graceful stop outlasts
 * server.shutdownGraceMs because the broker or the engine is down.
 */
export interface KafkaPipelineHandle {
  readonly kind: 'to-kafka' | 'from-kafka';
  readonly pipeline: Pipeline;
  readonly source: Source;
  readonly sink: Sink;
  /** After the pipeline ended: commits what was acknowledged, closes the clients. */
  close(): Promise<void>;
}

export type KafkaSinkConfig = Extract<NonNullable<PipelineConfig['sink']>, { type: 'kafka' }>;

/**
 * The Kafka sink of a pipeline and the mapping that goes with it (every event one op, unconverted): any
 * source's pipeline publishes to Kafka by using these instead of the bulk sink and the MappingSet.
 */
export function kafkaSinkFor(
  pipeline: string,
  s: KafkaSinkConfig,
  deps: Pick<PipelineDeps, 'config' | 'deadLetters' | 'logger'>,
  stop?: AbortSignal,
): { sink: KafkaEventSink; mapping: Mapping } {
  const sink = new KafkaEventSink({
    pipeline,
    connection: deps.config.kafka,
    topicTemplate: s.topicTemplate,
    partitions: s.partitions,
    replicationFactor: s.replicationFactor,
    format: s.format,
    maxBatchMessages: s.maxBatchMessages,
    maxMessageBytes: s.maxMessageBytes,
    retry: deps.config.sink.retry,
    deadLetters: deps.deadLetters,
    logger: deps.logger,
    ...(stop && { signal: stop }),
  });
  return { sink, mapping: new EventPassThrough((d, t) => sink.topicOf(d, t)) };
}

/**
 * Any source's pipeline, published to Kafka instead of the index: the handle's source (polling, outbox…)
 * in a new pipeline with the Kafka sink and the pass-through mapping. The handle's own bulk sink was
 * never used and is closed.
 */
export function publishToKafka(
  h: { readonly pipeline: Pipeline; readonly source: Source; readonly sink: Sink },
  s: KafkaSinkConfig,
  deps: PipelineDeps,
  stop?: AbortSignal,
): KafkaPipelineHandle {
  void h.sink.close();
  const name = h.pipeline.name;
  const { sink, mapping } = kafkaSinkFor(name, s, deps, stop);
  const pipeline = new Pipeline({
    name,
    source: h.source,
    mapping,
    sink,
    checkpoints: deps.checkpoints,
    deadLetters: deps.deadLetters,
    logger: deps.logger,
  });
  return { kind: 'to-kafka', pipeline, source: h.source, sink, close: () => sink.close() };
}

/** Binlog capture (snapshot + streaming) → Kafka topics; the checkpoint advances behind Kafka's acks. */
export function createBinlogToKafkaPipeline(
  p: BinlogPipelineConfig,
  s: KafkaSinkConfig,
  deps: PipelineDeps,
  stop?: AbortSignal,
): KafkaPipelineHandle {
  const { config, clients, logger } = deps;
  const connection = {
    url: config.mysql.url,
    timezone: config.mysql.timezone,
    connectTimeoutMs: config.mysql.connectTimeoutMs,
  };
  const source = new SnapshottingBinlogSource({
    name: p.name,
    pool: clients.db,
    tables: p.source.tables,
    internalDatabase: config.internalDatabase,
    snapshot: p.source.snapshot,
    chunkSize: p.source.chunkSize,
    onPurged: p.source.onPurged,
    keyColumns: new Map(config.mappings.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!])),
    logger,
    currentPosition: () => currentBinlogPosition(connection),
    streaming: (tables) =>
      createBinlogSource(
        config,
        { ...p, source: { ...p.source, tables: [...tables] } },
        {
          // Rows travel unconverted: the indexing side refreshes its own column descriptors.
          onSchemaChange: async (change) =>
            logger.info(
              { pipeline: p.name, ddl: change.ddl },
              `schema change on ${change.database}.${change.table}`,
            ),
          onReconnect: (info) =>
            logger.warn({ pipeline: p.name, ...info }, `${p.name}: binlog connection re-established`),
          onWarning: (message) => logger.warn({ pipeline: p.name }, message),
        },
      ),
  });
  const { sink, mapping } = kafkaSinkFor(p.name, s, deps, stop);
  const pipeline = new Pipeline({
    name: p.name,
    source,
    mapping,
    sink,
    checkpoints: deps.checkpoints,
    deadLetters: deps.deadLetters,
    logger,
  });
  return { kind: 'to-kafka', pipeline, source, sink, close: () => sink.close() };
}

/**
 * Kafka topics → mappings → bulk sink, as a member of a consumer group. Offsets are the checkpoint
 * (GroupOffsetsCheckpoint); poison messages and rejected documents go to `<topic>.dlq`.
 */
export function createKafkaIndexPipeline(
  p: PipelineConfig & { source: KafkaSourceConfig },
  deps: PipelineDeps,
  stop?: AbortSignal,
): KafkaPipelineHandle {
  const { config, search, mappings, logger } = deps;
  const s = p.source;
  const { groupId } = checkKafkaSource(p.name, s);
  const dlq = new DeadLetterTopic({
    connection: config.kafka,
    pipeline: p.name,
    groupId,
    suffix: s.dlq.suffix,
    replicationFactor: s.dlq.replicationFactor,
    retry: config.sink.retry,
    logger,
  });
  const source = new KafkaSource({
    name: p.name,
    connection: config.kafka,
    ...(s.topics && { topics: s.topics }),
    ...(s.topicPattern !== undefined && { topicPattern: s.topicPattern }),
    groupId,
    format: s.format,
    dlq,
    dlqSuffix: s.dlq.suffix,
    sessionTimeoutMs: s.sessionTimeoutMs,
    heartbeatIntervalMs: s.heartbeatIntervalMs,
    rebalanceTimeoutMs: s.rebalanceTimeoutMs,
    batchSize: s.batchSize,
    maxWaitMs: s.maxWaitMs,
    commitIntervalMs: s.commitIntervalMs,
    topicRefreshMs: s.topicRefreshMs,
    retry: config.sink.retry,
    logger,
    ...(config.ha.enabled && { workerId: workerIdOf(config) }),
  });
  const deadLetters = new KafkaDeadLetterStore(deps.deadLetters, dlq, source.origins, p.name);
  const { pipeline, sink } = createSearchPipeline({
    name: p.name,
    source,
    mapping: s.tables ? onlyTables(mappings, s.tables) : mappings,
    search,
    sinkConfig: config.sink,
    checkpoints: new GroupOffsetsCheckpoint(groupId),
    deadLetters,
    logger,
    onBulk: deps.onBulk,
    sinkSignal: stop,
  });
  return {
    kind: 'from-kafka',
    pipeline,
    source,
    sink,
    close: async () => {
      await source.close();
      await sink.close();
    },
  };
}

/**
 * The mapping restricted to events of the tables a Kafka source is configured for. Built documents
 * (mappings[].relations) are rebuilt from those events too: without it a related-row change read from
 * Kafka would reach no root.
 */
function onlyTables(mappings: Mapping, patterns: readonly string[]): Mapping {
  const match = tableMatcher(patterns);
  const rebuild = mappings.rebuild?.bind(mappings);
  return {
    handles: (d, t) => match(d, t) && mappings.handles(d, t),
    toOps: (ev: ChangeEvent): IndexOp[] =>
      match(ev.source.database, ev.source.table) ? mappings.toOps(ev) : [],
    indexOf: (d, t) => mappings.indexOf?.(d, t),
    ...(rebuild && {
      rebuild: (events: readonly ChangeEvent[], ctx: RebuildContext) =>
        rebuild(
          events.filter((ev) => match(ev.source.database, ev.source.table)),
          ctx,
        ),
    }),
  };
}
