import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';
import type { Workload } from './dataset.js';

export interface DecodeResult {
  readonly eventsPerSec: number;
  readonly events: number;
  readonly seconds: number;
  readonly bytes: number;
}

/**
 * Binlog decode alone: the streaming BinlogSource over the workload's range, in a child process (no sink,
 * no pipeline). `map` adds the mapping and the `_bulk` encoding per event.
 */
export async function measureDecode(
  ctx: BenchContext,
  w: Workload,
  mode: 'decode' | 'map',
  profileDir?: string,
  dump?: { file: string; ops: number },
): Promise<DecodeResult> {
  const child = fileURLToPath(new URL('./decode-child.js', import.meta.url));
  const args = {
    url: `mysql://root@${MYSQL_HOST}:${benchStack.mysqlPort}/${ctx.db}`,
    database: ctx.db,
    table: ctx.table,
    index: ctx.index,
    from: w.from.gtid,
    expect: w.events,
    mode,
    serverId: 80_000 + Math.floor(Math.random() * 9_000),
    ...(dump && { dump: dump.file, dumpOps: dump.ops }),
  };
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, child, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), ctx.sizes.timeoutMs);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`decode child (${mode}) exited ${code}: ${stderr.slice(-800)}`));
    });
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { events: number; seconds: number; bytes: number };
  if (r.events !== w.events) throw new Error(`decode (${mode}) saw ${r.events} events, expected ${w.events}`);
  return { eventsPerSec: r.events / r.seconds, events: r.events, seconds: r.seconds, bytes: r.bytes };
}
