import type { Logger } from 'pino';
import type { BinlogPipelineConfig, SynclineConfig } from '../config/schema.js';
import type { CheckpointStore, DeadLetterStore } from '../core/interfaces.js';
import type { Pipeline } from '../core/pipeline.js';
import { withSupportedFieldTypes } from '../mapping/field-type-fallback.js';
import { columnProperties } from '../mapping/field-types.js';
import { ensureIndex } from '../mapping/index-definitions.js';
import { MappingSet } from '../mapping/mapping-set.js';
import { checkRelationCoverage } from '../mapping/relations/pipeline-coverage.js';
import { relationProperties } from '../mapping/relations/relation-properties.js';
import type { BulkSink } from '../sinks/search/bulk-sink.js';
import type { SearchClient } from '../sinks/search/client.js';
import { sweepOrphans } from '../sinks/search/orphan-sweep.js';
import { createSearchPipeline } from '../sinks/search/search-pipeline.js';
import { SnapshottingBinlogSource } from '../sources/mysql-binlog/snapshotting-source.js';
import { type BinlogSource, createBinlogSource } from '../sources/mysql-binlog/streaming/binlog-source.js';
import { currentBinlogPosition } from '../sources/mysql-binlog/streaming/position.js';
import { splitTable } from '../sources/mysql-binlog/table-patterns.js';
import { OutboxSource } from '../sources/outbox/outbox-source.js';
import type { OutboxPipelineConfig } from '../sources/outbox/relay-config.js';
import type { Clients } from './clients.js';

export interface PipelineHandle {
  readonly pipeline: Pipeline;
  readonly source: SnapshottingBinlogSource;
  readonly sink: BulkSink;
  /** The streaming binlog source of the current run (lag, server position); undefined before it starts. */
  readonly binlog: () => BinlogSource | undefined;
}

export interface PipelineDeps {
  config: SynclineConfig;
  clients: Clients;
  search: SearchClient;
  mappings: MappingSet;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  /** Called after every answered `_bulk` request of a pipeline's sink (metrics). */
  onBulk?: (pipeline: string, latencyMs: number, items: number) => void;
}

/** Loads the mappings and creates every mapped index (alias over `<name>_v1`) before the first write. */
export async function prepareMappings(
  config: SynclineConfig,
  clients: Pick<Clients, 'db'>,
  search: SearchClient,
  logger: Logger,
): Promise<MappingSet> {
  const mappings = await MappingSet.load(clients.db, config.mappings, {
    search,
    onSchemaDrift: (d) =>
      logger.info(d, `schema drift on ${d.database}.${d.table}.${d.column}: ${d.reason}; refreshing columns`),
  });
  checkRelationCoverage(config.pipelines, mappings.rebuilders);
  const engine = await search.info();
  for (const index of mappings.indexes()) {
    const properties: Record<string, unknown> = {};
    for (const m of mappings.mappings)
      if (m.index === index) Object.assign(properties, columnProperties(m, engine));
    for (const r of mappings.rebuilders)
      if (r.index === index) Object.assign(properties, relationProperties(r.tree, engine));
    await ensureIndex(search, index, config.indexes[index] ?? {}, {
      properties: await withSupportedFieldTypes(search, properties, logger),
      logger,
    });
  }
  return mappings;
}

/** One binlog pipeline from its config: snapshotting source → mappings → bulk sink, checkpointed. */
export function createBinlogPipeline(p: BinlogPipelineConfig, deps: PipelineDeps): PipelineHandle {
  const { config, clients, search, mappings, logger } = deps;
  const keyColumns = new Map(
    config.mappings.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!]),
  );
  const connection = {
    url: config.mysql.url,
    timezone: config.mysql.timezone,
    connectTimeoutMs: config.mysql.connectTimeoutMs,
  };
  let binlog: BinlogSource | undefined;
  const source = new SnapshottingBinlogSource({
    name: p.name,
    pool: clients.db,
    tables: p.source.tables,
    internalDatabase: config.internalDatabase,
    snapshot: p.source.snapshot,
    chunkSize: p.source.chunkSize,
    onPurged: p.source.onPurged,
    keyColumns,
    logger,
    currentPosition: () => currentBinlogPosition(connection),
    sweepTable: async (qualified, belowVersion) => {
      const { database, table } = splitTable(qualified);
      for (const m of mappings.forTable(database, table)) {
        if (m.config.versionColumn !== undefined) {
          // Versions come from the column, not from binlog positions: they cannot be compared.
          logger.warn(
            { index: m.index, table: qualified },
            `no orphan sweep of ${m.index} (versionColumn): run \`syncline reconcile ${m.index} --repair\` after this snapshot`,
          );
          continue;
        }
        await sweepOrphans({ search, sink, index: m.index, database, table, belowVersion, logger });
      }
    },
    indexHoldsDocuments: async (tables) => {
      for (const qualified of tables) {
        const { database, table } = splitTable(qualified);
        for (const m of mappings.forTable(database, table)) {
          const r = await search.request<{ count?: number }>('GET', `/${m.index}/_count`);
          if ((r.body.count ?? 0) > 0) return true;
        }
      }
      return false;
    },
    streaming: (tables) =>
      (binlog = createBinlogSource(
        config,
        { ...p, source: { ...p.source, tables: [...tables] } },
        {
          onSchemaChange: async (change) => {
            logger.info(
              { pipeline: p.name, ddl: change.ddl },
              `schema change on ${change.database}.${change.table}`,
            );
            await mappings.refreshColumns(
              clients.db,
              change.database,
              change.table === '*' ? undefined : change.table,
            );
          },
          onReconnect: (info) =>
            logger.warn({ pipeline: p.name, ...info }, `${p.name}: binlog connection re-established`),
          onWarning: (message) => logger.warn({ pipeline: p.name }, message),
        },
      )),
  });
  const { pipeline, sink } = createSearchPipeline({
    name: p.name,
    source,
    mapping: mappings,
    search: search,
    sinkConfig: config.sink,
    checkpoints: deps.checkpoints,
    deadLetters: deps.deadLetters,
    logger,
    onBulk: deps.onBulk,
  });
  return { pipeline, source, sink, binlog: () => binlog };
}

/** An outbox relay pipeline (docs/outbox.md). */
export interface RelayHandle {
  readonly pipeline: Pipeline;
  readonly source: OutboxSource;
  readonly sink: BulkSink;
}

/** One outbox relay from its config: outbox rows in id order → mappings → bulk sink; shipped rows pruned. */
export function createOutboxPipeline(p: OutboxPipelineConfig, deps: PipelineDeps): RelayHandle {
  const { config, clients, search, mappings, logger } = deps;
  const source = new OutboxSource({
    name: p.name,
    pool: clients.db,
    outboxTable: p.source.outboxTable,
    tables: p.source.tables,
    batchSize: p.source.batchSize,
    pollIntervalMs: p.source.pollIntervalMs,
    pruneBatchSize: p.source.pruneBatchSize,
    deadLetters: deps.deadLetters,
    internalDatabase: config.internalDatabase,
    keyColumns: new Map(config.mappings.filter((m) => m.keyColumns).map((m) => [m.table, m.keyColumns!])),
    logger,
  });
  const { pipeline, sink } = createSearchPipeline({
    name: p.name,
    source,
    mapping: mappings,
    search: search,
    sinkConfig: config.sink,
    checkpoints: deps.checkpoints,
    deadLetters: deps.deadLetters,
    logger,
    onBulk: deps.onBulk,
  });
  return { pipeline, source, sink };
}
