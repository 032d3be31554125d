import type { Pool } from 'mysql2/promise';
import type { SynclineConfig } from '../config/schema.js';
import { FileCheckpointStore } from './file-checkpoint-store.js';
import { MysqlCheckpointStore } from './mysql-checkpoint-store.js';

export { FileCheckpointStore, MysqlCheckpointStore };

export function createCheckpointStore(
  config: SynclineConfig,
  pool: Pool,
): MysqlCheckpointStore | FileCheckpointStore {
  return config.checkpoint.store === 'file'
    ? new FileCheckpointStore(config.checkpoint.dir)
    : new MysqlCheckpointStore(pool, config.internalDatabase);
}
