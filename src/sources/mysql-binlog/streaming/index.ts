export {
  BinlogReader,
  type BinlogReaderOptions,
  type ReaderStart,
  type ReaderStats,
  type ReconnectInfo,
} from './binlog-reader.js';
export {
  type BinlogBatch,
  BinlogSource,
  type BinlogSourceOptions,
  type BinlogSourceStats,
  createBinlogSource,
} from './binlog-source.js';
export { type BinlogConnectionConfig, connectionOptions } from './connection.js';
export { type ParsedStatement, parseStatement, type StatementKind, type TableRef } from './ddl.js';
export {
  formatGtidPosition,
  type Gtid,
  type GtidPosition,
  hasReached,
  parseGtid,
  parseGtidPosition,
} from './gtid.js';
export {
  type BinlogCheckpoint,
  currentBinlogPosition,
  positionOf,
  readCheckpoint,
  startPointOf,
} from './position.js';
export type { RawBinlogEvent } from './raw-event.js';
export { compileTableFilter, type TableFilter } from './table-filter.js';
export { type ConfiguredKeys, InformationSchemaMetadata, type TableMetadata } from './table-metadata.js';
export { type AssembledChunk, type SchemaChange, TransactionAssembler } from './transaction-assembler.js';
