import { type Logger, pino } from 'pino';
import type { SynclineConfig } from '../config/schema.js';

export function createLogger(config: Pick<SynclineConfig, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { svc: 'syncline' } });
}
