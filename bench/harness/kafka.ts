import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { type BenchContext, benchStack } from './context.js';
import { runChild } from './run-child.js';

export interface KafkaPathResult {
  readonly kafkaEventsPerSec: number;
  readonly directEventsPerSec: number;
  readonly throughputRatio: number;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  readonly kafkaP50Ms: number;
  readonly directP50Ms: number;
  readonly command: string;
}

interface KafkaPathFile {
  command?: string;
  direct?: { throughputEventsPerSec?: number; latencyP50Ms?: number };
  kafka?: { throughputEventsPerSec?: number; latencyP50Ms?: number };
  kafkaVsDirect?: { throughputRatio?: number; addedLatencyP50Ms?: number; addedLatencyP99Ms?: number };
}

/**
 * The Kafka path against the direct path, measured by bench/kafka-path.ts (owned with the Kafka
 * sink/source; it runs both paths over the same table, binlog and engine) as a child of this run.
 */
export async function measureKafkaPath(ctx: BenchContext): Promise<KafkaPathResult> {
  const script = path.join(ctx.repoRoot, 'bench', '.build', 'bench', 'kafka-path.js');
  if (!existsSync(path.join(ctx.repoRoot, 'src', 'kafka', 'sink')) || !existsSync(script))
    throw new Error('not available yet (no Kafka sink in src/kafka/sink or no bench/kafka-path.ts)');
  // The broker is shared and started by `./syncline stack up --with kafka`; this run only checks it is there.
  await new Promise<void>((resolve, reject) => {
    const [host = '127.0.0.1', port = '9092'] = benchStack.kafkaBrokers.split(':');
    const sock = connect({ host, port: Number(port) }, () => {
      sock.end();
      resolve();
    });
    sock.setTimeout(3000, () => sock.destroy(new Error('timed out')));
    sock.on('error', (e) =>
      reject(
        new Error(
          `no Kafka broker on ${benchStack.kafkaBrokers} (${e.message}): run ./syncline stack up --with kafka`,
        ),
      ),
    );
  });
  const sizes =
    ctx.mode === 'full'
      ? ['--changes', '100000', '--paced', '20000', '--rate', '2000']
      : ['--changes', '10000', '--paced', '3000', '--rate', '1000'];
  const { code, stdout, stderr } = await runChild(
    process.execPath,
    [script, ...sizes],
    ctx.sizes.timeoutMs,
    ctx.repoRoot,
  );
  const written = /\[kafka-path\] written to (\S+)/.exec(stdout)?.[1];
  if (code !== 0 || !written)
    throw new Error(`bench/kafka-path exited ${code}: ${(stderr || stdout).trim().slice(-500)}`);
  const f = JSON.parse(readFileSync(path.join(ctx.repoRoot, written), 'utf8')) as KafkaPathFile;
  const n = (v: number | undefined) => Number(v ?? Number.NaN);
  return {
    kafkaEventsPerSec: n(f.kafka?.throughputEventsPerSec),
    directEventsPerSec: n(f.direct?.throughputEventsPerSec),
    throughputRatio: n(f.kafkaVsDirect?.throughputRatio),
    addedP50Ms: n(f.kafkaVsDirect?.addedLatencyP50Ms),
    addedP99Ms: n(f.kafkaVsDirect?.addedLatencyP99Ms),
    kafkaP50Ms: n(f.kafka?.latencyP50Ms),
    directP50Ms: n(f.direct?.latencyP50Ms),
    command: f.command ?? `node bench/.build/bench/kafka-path.js ${sizes.join(' ')}`,
  };
}
