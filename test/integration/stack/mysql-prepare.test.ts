import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStack } from '../../../src/stack/stack.js';
import { testConfig } from '../../helpers/stack.js';

/**
 * Building the MySQL root (engines/mysql/prepare.sh) fails with the fix named, before downloading anything:
 * not root while the root is not built yet, and a Debian mirror that does not answer. Each run gets an
 * empty cache of its own (SYNCLINE_MYSQL_CACHE), so the machine's built root is never touched.
 */
const script = path.resolve('engines/mysql/prepare.sh');
const cache = mkdtempSync(path.join(tmpdir(), 'syncline-mysql-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, _out, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr: String(stderr) });
    });
  });
}

describe('engines/mysql/prepare.sh', () => {
  it('an unreachable mirror: exit 5, naming the mirror and SYNCLINE_DEBIAN_MIRROR', async () => {
    const r = await run('bash', [script], {
      SYNCLINE_MYSQL_CACHE: path.join(cache, 'mirror'),
      SYNCLINE_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian',
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('the Debian mirror http://127.0.0.1:9/debian does not answer');
    expect(r.stderr).toContain('SYNCLINE_DEBIAN_MIRROR=');
  });

  it('not root with no built root: exit 3, naming the one-time sudo', async () => {
    const cacheDir = path.join(cache, 'nobody');
    // as root (CI), the script runs as `nobody`; as another user, it already is not root
    const r =
      process.getuid?.() === 0
        ? await run(
            'su',
            ['nobody', '-s', '/bin/bash', '-c', `SYNCLINE_MYSQL_CACHE=${cacheDir} bash ${script}`],
            {},
          )
        : await run('bash', [script], { SYNCLINE_MYSQL_CACHE: cacheDir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('building it needs root (debootstrap)');
    expect(r.stderr).toContain('sudo ./syncline stack up --with mysql');
  });

  it('the stack reports it as SYNC_S0016 with the fix', async () => {
    const previous = { ...process.env };
    process.env.SYNCLINE_MYSQL_CACHE = path.join(cache, 'stack');
    process.env.SYNCLINE_DEBIAN_MIRROR = 'http://127.0.0.1:9/debian';
    try {
      // another port and data dir: the stack's MySQL on 3308 is left alone
      const stack = new LocalStack(
        testConfig({ stack: { dataDir: path.join(cache, 'data'), mysql: { port: 3399 } } }),
      );
      await expect(stack.up(['mysql'])).rejects.toMatchObject({
        code: 'SYNC_S0016',
        message: expect.stringContaining('the Debian mirror is unreachable'),
      });
    } finally {
      process.env = previous;
    }
  });
});
