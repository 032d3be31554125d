import type { Pool } from 'mysql2/promise';
import { type Logger, pino } from 'pino';
import { createCheckpointStore } from '../checkpoint/index.js';
import type { SynclineConfig } from '../config/schema.js';
import type { Position } from '../core/change-event.js';
import type { CheckpointStore } from '../core/interfaces.js';
import { MysqlDeadLetterStore } from '../dead-letter/mysql-dead-letter-store.js';
import { MappingSet } from '../mapping/mapping-set.js';
import { createDbPool } from '../runtime/clients.js';
import { SearchClient } from '../sinks/search/client.js';

/**
 * What the operations (reconcile, reindex, dead letters) need: the config, a query pool on the source,
 * the search client, the stores, and a way to read how far each pipeline has got. The CLI builds one
 * of its own (createOpsContext); `syncline run` builds one over its running pipelines, so positions are
 * read live instead of from the checkpoint table.
 */
export interface OpsContext {
  readonly config: SynclineConfig;
  readonly db: Pool;
  readonly search: SearchClient;
  readonly logger: Logger;
  readonly deadLetters: MysqlDeadLetterStore;
  readonly checkpoints: CheckpointStore;
  /** How far a pipeline has got (acknowledged), or undefined when it has no position. */
  pipelinePosition(name: string): Promise<Position | undefined>;
  /** The mappings of the config, with the tables' current column descriptors. */
  loadMappings(): Promise<MappingSet>;
}

export interface OwnedOpsContext extends OpsContext {
  close(): Promise<void>;
}

/** A context with pools of its own (the CLI); positions come from the checkpoint store. */
export function createOpsContext(config: SynclineConfig, logger?: Logger): OwnedOpsContext {
  const db = createDbPool(config);
  const search = new SearchClient(config.search);
  const checkpoints = createCheckpointStore(config, db);
  return {
    config,
    db,
    search,
    logger: logger ?? pino({ level: 'silent' }),
    deadLetters: new MysqlDeadLetterStore(db, config.internalDatabase),
    checkpoints,
    pipelinePosition: (name) => checkpoints.load(name),
    loadMappings: () => MappingSet.load(db, config.mappings, { search }),
    async close() {
      await Promise.allSettled([db.end(), search.close(), checkpoints.close()]);
    },
  };
}

/** The pipeline handles of a running PipelineRunner, as much of them as positions need. */
export interface LivePipelines {
  readonly handles: ReadonlyArray<{
    readonly pipeline: { readonly name: string; readonly position: Position | undefined };
  }>;
}

/**
 * A context over a running process: positions of the pipelines it runs are read from memory (their
 * acknowledged position, ahead of the last checkpoint commit); other pipelines from the checkpoint store.
 */
export function opsContextFor(deps: {
  config: SynclineConfig;
  db: Pool;
  search: SearchClient;
  logger: Logger;
  deadLetters?: MysqlDeadLetterStore;
  runner?: LivePipelines;
}): OpsContext {
  const checkpoints = createCheckpointStore(deps.config, deps.db);
  return {
    config: deps.config,
    db: deps.db,
    search: deps.search,
    logger: deps.logger,
    deadLetters: deps.deadLetters ?? new MysqlDeadLetterStore(deps.db, deps.config.internalDatabase),
    checkpoints,
    async pipelinePosition(name) {
      const live = deps.runner?.handles.find((h) => h.pipeline.name === name);
      return live?.pipeline.position ?? checkpoints.load(name);
    },
    loadMappings: () => MappingSet.load(deps.db, deps.config.mappings, { search: deps.search }),
  };
}
