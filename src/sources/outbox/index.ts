export { OutboxSource, type OutboxSourceOptions, type OutboxSourceStats } from './outbox-source.js';
export {
  OUTBOX_COLUMNS,
  type OutboxOp,
  type OutboxRow,
  outboxDdl,
  outboxInsert,
  type ParsedOutboxRow,
  parseOutboxRow,
  quoteTable,
} from './outbox-table.js';
export {
  catalogOutboxTable,
  catalogOutboxTables,
  implicitOutboxPipelines,
  isOutboxPipeline,
  type OutboxPipelineConfig,
  urlDatabase,
} from './relay-config.js';
export { notifyOutbox, onOutboxWrite } from './wake.js';
