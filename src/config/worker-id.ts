import os from 'node:os';
import type { SynclineConfig } from './schema.js';

/** This worker's identity in HA (leaders table, consumer client ids): ha.workerId or <hostname>:<pid>. */
export function workerIdOf(config: SynclineConfig): string {
  return config.ha.workerId ?? `${os.hostname()}:${process.pid}`;
}
