import { Value } from '@sinclair/typebox/value';
import {
  type OutboxSourceConfig,
  OutboxSourceSchema,
  type PipelineConfig,
  type SynclineConfig,
} from '../../config/schema.js';

/** A pipeline whose source is an outbox relay (what a relay needs of a pipelines[] entry). */
export interface OutboxPipelineConfig {
  readonly name: string;
  readonly source: OutboxSourceConfig;
}

const CATALOG_TABLES = ['products', 'categories', 'users'] as const;

/** The database of mysql.url (the catalog's database), if the URL names one. */
export function urlDatabase(config: Pick<SynclineConfig, 'mysql'>): string | undefined {
  try {
    const db = decodeURIComponent(new URL(config.mysql.url).pathname.replace(/^\//, ''));
    return db === '' ? undefined : db;
  } catch {
    return undefined;
  }
}

/** api.outbox.table as database.table (a bare name lives in mysql.url's database). */
export function catalogOutboxTable(config: Pick<SynclineConfig, 'mysql' | 'api'>): string | undefined {
  const t = config.api.outbox.table;
  if (t.includes('.')) return t;
  const db = urlDatabase(config);
  return db === undefined ? undefined : `${db}.${t}`;
}

/** Catalog tables (database.table) whose api.writeModes is `outbox`. */
export function catalogOutboxTables(config: Pick<SynclineConfig, 'mysql' | 'api'>): string[] {
  const db = urlDatabase(config);
  if (db === undefined) return [];
  return CATALOG_TABLES.filter((t) => config.api.writeModes[t] === 'outbox').map((t) => `${db}.${t}`);
}

/**
 * The relay `syncline run` adds for the catalog's outbox: when a table is in outbox mode and no
 * configured pipeline already ships api.outbox.table.
 */
export function implicitOutboxPipelines(
  config: SynclineConfig,
): Array<PipelineConfig & OutboxPipelineConfig> {
  const tables = catalogOutboxTables(config);
  const outboxTable = catalogOutboxTable(config);
  if (tables.length === 0 || outboxTable === undefined) return [];
  const shipped = config.pipelines.some(
    (p) => p.source.type === 'outbox' && p.source.outboxTable.toLowerCase() === outboxTable.toLowerCase(),
  );
  if (shipped) return [];
  return [
    {
      name: config.api.outbox.pipeline,
      // the schema's defaults for batchSize, pollIntervalMs, pruneBatchSize
      source: Value.Default(OutboxSourceSchema, {
        type: 'outbox',
        outboxTable,
        tables,
      }) as OutboxSourceConfig,
      sink: { type: 'search' },
    },
  ];
}

export function isOutboxPipeline(p: PipelineConfig): p is PipelineConfig & OutboxPipelineConfig {
  return p.source.type === 'outbox';
}
