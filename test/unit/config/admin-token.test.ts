import { describe, expect, it } from 'vitest';
import { assertTokensSafeToServe, isLoopbackHost } from '../../../src/config/admin-token.js';
import { resolveConfig } from '../../../src/config/load.js';
import { isSynclineError } from '../../../src/core/errors.js';

function refusal(raw: Record<string, unknown>): string | undefined {
  try {
    assertTokensSafeToServe(resolveConfig(raw));
    return undefined;
  } catch (e) {
    expect(isSynclineError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
}

describe('the published default admin token never serves beyond loopback', () => {
  it('loopback addresses', () => {
    for (const h of [
      '127.0.0.1',
      '127.8.0.1',
      'localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'api.example.com', '::2', '128.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('the default token on loopback (the demo) is allowed', () => {
    expect(refusal({})).toBeUndefined();
  });

  it('the default token on 0.0.0.0 is refused, naming the key and the fix', () => {
    const msg = refusal({ server: { host: '0.0.0.0' } });
    expect(msg).toMatch(
      /^server\.adminToken: still the published default token while server\.host is 0\.0\.0\.0/,
    );
    expect(msg).toContain('SYNCLINE_ADMIN_TOKEN');
  });

  it('an own admin token serves anywhere; the ingest token falls back to it', () => {
    expect(refusal({ server: { host: '0.0.0.0', adminToken: 'a-secret-of-our-own' } })).toBeUndefined();
  });

  it('an ingest token set to the published default is refused too', () => {
    const msg = refusal({
      server: { host: '0.0.0.0', adminToken: 'a-secret-of-our-own' },
      ingest: { token: 'change-me-syncline-admin' },
    });
    expect(msg).toMatch(/^ingest\.token: /);
  });
});

describe('syncline run with the default token beyond loopback', () => {
  it('refuses before starting anything (no stack, no pool, no listener)', async () => {
    const { SynclineService } = await import('../../../src/service/service.js');
    const { pino } = await import('pino');
    // Servers that do not exist: a start that got past the check would fail on them with another error.
    const config = resolveConfig({
      server: { host: '0.0.0.0', port: 1 },
      mysql: { url: 'mysql://nobody@127.0.0.1:1/none', connectTimeoutMs: 200 },
      search: { url: 'http://127.0.0.1:1' },
    });
    const service = new SynclineService(config, pino({ level: 'silent' }));
    let err: unknown;
    try {
      await service.start();
    } catch (e) {
      err = e;
    } finally {
      await service.stop();
    }
    expect(isSynclineError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^server\.adminToken: /);
  }, 30_000);
});
