import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.js';

export interface FanOutResult {
  /** Products of the renamed category, all rebuilt. */
  readonly products: number;
  readonly seconds: number;
  readonly docsPerSec: number;
  /** A raw `_bulk` of the same built documents in the same child run (1000 per request, 4 in flight). */
  readonly c1DocsPerSec: number;
  /** An unrelated insert committed 200 ms after the rename: commit → searchable, during the fan-out. */
  readonly unrelatedMs: number;
  readonly command: string;
}

/** Products per mode: issue 14 asks for 100k in the full run. */
export const FANOUT_PRODUCTS = { full: 100_000, quick: 20_000, dry: 2_000 } as const;

/**
 * A category rename fanning out to many products (documents built from several tables), measured by
 * bench/relations-fanout.ts as a child of this run: its own database and index, the same servers.
 */
export async function measureFanOut(ctx: BenchContext): Promise<FanOutResult> {
  const script = path.join(ctx.repoRoot, 'bench', '.build', 'bench', 'relations-fanout.js');
  if (!existsSync(script)) throw new Error('bench/relations-fanout.ts is not compiled (bench/.build)');
  const n = String(FANOUT_PRODUCTS[ctx.mode]);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const p = spawn(process.execPath, [script, n], {
        cwd: ctx.repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: process.env,
      });
      let so = '';
      let se = '';
      p.stdout.on('data', (d: Buffer) => {
        so += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        se = (se + d.toString()).slice(-4000);
      });
      const timer = setTimeout(() => p.kill('SIGKILL'), ctx.sizes.timeoutMs);
      p.on('error', reject);
      p.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout: so, stderr: se });
      });
    },
  );
  const line = /\[fanout\] (\{.*\})/.exec(stdout)?.[1];
  if (code !== 0 || !line)
    throw new Error(`bench/relations-fanout exited ${code}: ${(stderr || stdout).trim().slice(-500)}`);
  const r = JSON.parse(line) as Omit<FanOutResult, 'command'>;
  return { ...r, command: `node bench/.build/bench/relations-fanout.js ${n}` };
}
