import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, type Harness } from '../../helpers/pipeline-harness.js';
import { startItems, startWriter } from './helpers.js';

// Real fault: `syncline reindex` runs as a child process (dist/, `npm run build` first) and is killed
// with SIGKILL in the middle of its fill; a second run resumes it.
const MAIN = join(process.cwd(), 'dist/cli/main.js');

function run(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string }>;
} {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.resume();
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout })),
  );
  return { child, done };
}

describe('reindex killed with SIGKILL mid-fill resumes on the next run (real stack)', () => {
  let h: Harness;
  let alias: string;
  let dir: string;
  let conf: string;

  beforeAll(async () => {
    h = await startItems(40_000);
    alias = h.index('items');
    expect(clean(await h.converge('items', 120_000))).toEqual({ missing: 0, extra: 0, stale: 0 });
    dir = mkdtempSync(join(tmpdir(), 'syncline-reindex-'));
    conf = join(dir, 'syncline.json');
    writeFileSync(
      conf,
      JSON.stringify({ ...h.config, logLevel: 'warn', indexes: { [alias]: { textAnalyzer: 'standard' } } }),
    );
  }, 180_000);

  afterAll(async () => {
    await h?.search.request('DELETE', `/${alias}_v2`).catch(() => {});
    await h?.exec('DELETE FROM syncline.reindex_history WHERE alias = ?', [alias]).catch(() => {});
    await h
      ?.exec('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [
        `reindex-${alias}_v2`.replace(/[^a-z0-9_-]/g, '-'),
      ])
      .catch(() => {});
    await h?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the alias untouched when killed, and the next run resumes the fill and swaps', async () => {
    const job = `reindex-${alias}_v2`.replace(/[^a-z0-9_-]/g, '-');
    const writer = startWriter(h, { minId: 1, maxId: 40_000, newFrom: 500_000 });
    try {
      const first = run(['-c', conf, 'reindex', alias, '--chunk-size', '200']);
      // kill once the job has checkpointed a tenth of its snapshot
      const deadline = Date.now() + 120_000;
      let rowsDone = 0;
      while (rowsDone < 4_000 && Date.now() < deadline) {
        const rows = (await h.exec('SELECT position FROM syncline.checkpoints WHERE pipeline = ?', [
          job,
        ])) as Array<{
          position: string | { checkpoint?: { snapshot?: { rowsDone?: number } } };
        }>;
        const p =
          rows[0] && (typeof rows[0].position === 'string' ? JSON.parse(rows[0].position) : rows[0].position);
        rowsDone = p?.checkpoint?.snapshot?.rowsDone ?? 0;
        if (rowsDone < 4_000) await new Promise((r) => setTimeout(r, 50));
      }
      expect(rowsDone).toBeGreaterThanOrEqual(4_000);
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBeNull();

      // nothing moved: searches still go to v1, which is complete
      const a = await h.search.request<Record<string, unknown>>('GET', `/${alias}/_alias`);
      expect(Object.keys(a.body)).toEqual([`${alias}_v1`]);

      const second = await run(['-c', conf, 'reindex', alias, '--json', '--chunk-size', '500']).done;
      expect(second.code).toBe(0);
      const report = JSON.parse(second.stdout);
      expect(report).toMatchObject({
        kind: 'reindex',
        resumed: true,
        from: `${alias}_v1`,
        to: `${alias}_v2`,
      });
      // resumed after the last checkpointed chunk, not from the start: the writer inserts as many rows as
      // it deletes, so a fresh fill would read about the whole table again
      const count = (await h.exec('SELECT COUNT(*) AS n FROM items')) as Array<{ n: number }>;
      expect(report.rows).toBeLessThan(Number(count[0]?.n) - rowsDone / 2);
    } finally {
      await writer.stop();
    }
    const b = await h.search.request<Record<string, unknown>>('GET', `/${alias}/_alias`);
    expect(Object.keys(b.body)).toEqual([`${alias}_v2`]);
    expect(clean(await h.converge('items', 120_000))).toEqual({ missing: 0, extra: 0, stale: 0 });
  }, 400_000);
});
