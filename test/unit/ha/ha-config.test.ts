import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { lockedPipelines, workerIdOf } from '../../../src/ha/leadership.js';
import { SynclineService } from '../../../src/service/service.js';

/** ha.* settings that cannot work are refused before anything starts, naming the key and the fix. */
async function startError(
  ha: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<unknown> {
  const config = resolveConfig({
    server: { host: '127.0.0.1', port: 1 },
    mysql: { url: 'mysql://nobody@127.0.0.1:1/none', connectTimeoutMs: 200 },
    search: { url: 'http://127.0.0.1:1' },
    ha,
    ...extra,
  });
  const service = new SynclineService(config, pino({ level: 'silent' }));
  try {
    await service.start();
  } catch (e) {
    return e;
  } finally {
    await service.stop();
  }
  return undefined;
}

describe('ha config', () => {
  it('ha.enabled needs the mysql checkpoint store (the fencing token lives there)', async () => {
    const err = await startError({ enabled: true }, { checkpoint: { store: 'file' } });
    expect(isSynclineError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect((err as Error).message).toContain('checkpoint.store: mysql');
  });

  it('the ping interval must be below the session timeout', async () => {
    const err = await startError({ enabled: true, sessionTimeoutMs: 2000, pingIntervalMs: 2000 });
    expect(isSynclineError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect((err as Error).message).toContain(
      'ha.pingIntervalMs (2000) must be below ha.sessionTimeoutMs (2000)',
    );
  });

  it('locks every pipeline but the Kafka-sourced ones; names the worker', () => {
    const config = resolveConfig({
      mysql: { url: 'mysql://root@127.0.0.1:3307/shop' },
      search: { url: 'http://127.0.0.1:9200' },
      kafka: { brokers: ['127.0.0.1:9092'] },
      mappings: [{ table: 'shop.items', index: 'items' }],
      pipelines: [
        { name: 'zeta', source: { type: 'mysql-binlog', tables: ['shop.items'] } },
        { name: 'alpha', source: { type: 'kafka', topics: ['t'], groupId: 'g' } },
      ],
      ha: { enabled: true, workerId: 'sync-1' },
    });
    expect(lockedPipelines(config)).toEqual(['zeta']);
    expect(workerIdOf(config)).toBe('sync-1');
  });
});
