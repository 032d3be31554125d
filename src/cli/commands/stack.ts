import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { type ComponentName, DEFAULT_COMPONENTS, LocalStack } from '../../stack/stack.js';
import { printServerStatus, registerStackEngine } from './stack-engine.js';

const ALL: readonly ComponentName[] = ['mariadb', 'opensearch', 'kafka', 'mysql'];

function parseList(v: string): ComponentName[] {
  const names = v.split(',').map((s) => s.trim()) as ComponentName[];
  for (const n of names) {
    if (!ALL.includes(n)) throw new Error(`unknown component "${n}" (expected one of ${ALL.join(', ')})`);
  }
  return names;
}

export function registerStack(program: Command, loadConfig: () => SynclineConfig): void {
  const stack = program
    .command('stack')
    .description('start, stop and inspect the local MariaDB / OpenSearch / Kafka / MySQL');

  stack
    .command('up')
    .description('start the local stack and wait until every component is healthy (idempotent)')
    .option('--with <components>', 'also start these (kafka, mysql)', parseList, [])
    .option('--only <components>', 'start only these', parseList)
    .action(async (opts: { with: ComponentName[]; only?: ComponentName[] }) => {
      const names = opts.only ?? [...new Set([...DEFAULT_COMPONENTS, ...opts.with])];
      const t0 = Date.now();
      await new LocalStack(loadConfig()).up(names, {
        onProgress: (name, what, ms) =>
          console.log(`${name.padEnd(10)} ${what} (${(ms / 1000).toFixed(1)} s)`),
      });
      console.log(`stack up: ${names.join(', ')} healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

  stack
    .command('down')
    .description('stop what Syncline started (by pid file); data is kept')
    .option('--only <components>', 'stop only these', parseList)
    .action(async (opts: { only?: ComponentName[] }) => {
      for (const r of await new LocalStack(loadConfig()).down(opts.only ?? [...ALL].reverse())) {
        console.log(`${r.name.padEnd(10)} ${r.outcome}`);
      }
    });

  registerStackEngine(stack, loadConfig);

  stack
    .command('status')
    .description('per component: state, port, version, pid, memory, data dir')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      printServerStatus(await new LocalStack(loadConfig()).status(), { json: opts.json, component: true });
    });
}
