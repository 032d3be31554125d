import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { runChild } from './run-child.js';

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
  const { code, stdout, stderr } = await runChild(
    process.execPath,
    [script, n],
    ctx.sizes.timeoutMs,
    ctx.repoRoot,
  );
  const line = /\[fanout\] (\{.*\})/.exec(stdout)?.[1];
  if (code !== 0 || !line)
    throw new Error(`bench/relations-fanout exited ${code}: ${(stderr || stdout).trim().slice(-500)}`);
  const r = JSON.parse(line) as Omit<FanOutResult, 'command'>;
  return { ...r, command: `node bench/.build/bench/relations-fanout.js ${n}` };
}
