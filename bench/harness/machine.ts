import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { type BenchContext, benchStack } from './context.js';
import { debeziumPeer } from './debezium.js';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryMb: number;
  /** 1-minute load average when the run started: other work on the box skews absolute figures. */
  readonly loadAverage: number;
  readonly os: string;
  readonly versions: Record<string, string>;
}

export async function describeMachine(ctx: BenchContext): Promise<Machine> {
  const [rows] = await ctx.pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const engine = await ctx.search.info();
  const pkg = JSON.parse(readFileSync(path.join(ctx.repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ctx.repoRoot, encoding: 'utf8' });
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaLine = /version "([^"]+)"/.exec(java.stderr ?? '')?.[1] ?? 'not found';
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
    os: `${os.type()} ${os.release()}`,
    versions: {
      syncline: `${pkg.version} (${git.stdout?.trim() || 'no git'})`,
      node: process.version,
      [benchStack.source]: String(rows[0]?.v),
      [engine.engine]: engine.version,
      java: javaLine,
      debezium: `${debeziumPeer().version} (${debeziumPeer().connector}, embedded engine)`,
    },
  };
}
