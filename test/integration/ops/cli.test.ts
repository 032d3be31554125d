import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, type Harness } from '../../helpers/pipeline-harness.js';
import { startItems } from './helpers.js';

// `npm run build` first: the CLI is run as users run it, from dist/, with stdout and stderr as pipes.
const MAIN = join(process.cwd(), 'dist/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('CLI operations (dist/cli/main.js against the real stack)', () => {
  let h: Harness;
  let dir: string;
  let conf: string;
  let index: string;

  beforeAll(async () => {
    h = await startItems(1500);
    index = h.index('items');
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    dir = mkdtempSync(join(tmpdir(), 'syncline-cli-'));
    conf = join(dir, 'syncline.json');
    writeFileSync(conf, JSON.stringify({ ...h.config, logLevel: 'warn' }));
  }, 120_000);

  afterAll(async () => {
    await h?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reconcile --json: parseable report, exit 4 on drift, plain progress lines on a pipe; --repair exits 0', async () => {
    await h.search.request('DELETE', `/${index}/_doc/7`);
    const r = await cli(['-c', conf, 'reconcile', index, '--json', '--chunk-size', '200']);
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout);
    expect(report.drift).toBe(1);
    expect(report.indexes[0]).toMatchObject({ index, missing: 1, samples: { missing: ['7'] } });
    // not a TTY: no bar, no carriage returns, plain lines with counts, rate and ETA
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(
      new RegExp(`^reconcile ${index} compare: \\d+/\\d+ rows \\(\\d+%\\), \\d+(\\.\\d)?k? rows/s`, 'm'),
    );

    const fixed = await cli(['-c', conf, 'reconcile', index, '--repair', '--json', '--quiet']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ drift: 0, repair: true });
    expect(fixed.stderr).toBe('');

    const human = await cli(['-c', conf, 'reconcile', index]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('no drift');
  }, 120_000);

  it('dlq counts/list --json parse; purge refuses an empty selection (exit 2)', async () => {
    const counts = await cli(['-c', conf, 'dlq', 'counts', '--json']);
    expect(counts.code).toBe(0);
    expect(JSON.parse(counts.stdout)).toHaveProperty('total');
    const list = await cli(['-c', conf, 'dlq', 'list', '--pipeline', h.name, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const purge = await cli(['-c', conf, 'dlq', 'purge']);
    expect(purge.code).toBe(2);
    expect(purge.stderr).toMatch(/SYNC_S0001 purge needs a selection/);
    const kind = await cli(['-c', conf, 'dlq', 'list', '--kind', 'nope']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--kind: "nope" is not a dead-letter kind');
  }, 60_000);

  it('snapshot <table> --wait re-snapshots through the running pipeline, with progress lines', async () => {
    const r = await cli([
      '-c',
      conf,
      'snapshot',
      `${h.db}.items`,
      '--from',
      '100',
      '--until',
      '600',
      '--wait',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      table: `${h.db}.items`,
      requested: true,
      completed: [h.name],
    });
    expect(r.stderr).toMatch(new RegExp(`^snapshot ${h.db}\\.items`, 'm'));
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 120_000);

  it('an unknown target names what exists (exit 1, SYNC_S4001)', async () => {
    const r = await cli(['-c', conf, 'reconcile', 'nope', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SYNC_S4001');
    expect(r.stderr).toContain(index);
  }, 60_000);
});

describe('syncline run refuses unsafe configurations before starting anything', () => {
  it('the published admin token beyond loopback: exit 2 naming the key and the fix', async () => {
    const r = await cli(['run'], { ...process.env, SYNCLINE_API_HOST: '0.0.0.0', SYNCLINE_ADMIN_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SYNC_S0001 server.adminToken: still the published default token');
    expect(r.stderr).toContain('SYNCLINE_ADMIN_TOKEN');
    expect(r.stderr).not.toContain('starting the local stack');
  }, 60_000);

  it('one server named without stack.manage: exit 2 naming the missing key, no local server started', async () => {
    const r = await cli(['run'], {
      ...process.env,
      SYNCLINE_MYSQL_URL: 'mysql://app@db.invalid:3306/shop',
      SYNCLINE_SEARCH_URL: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('search.url: not set while mysql.url is');
  }, 60_000);
});
