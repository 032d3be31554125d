#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { SynclineConfig } from '../config/schema.js';
import { registerDlq } from './commands/dlq.js';
import { registerPolling } from './commands/polling.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerReindex } from './commands/reindex.js';
import { registerRun } from './commands/run.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerStack } from './commands/stack.js';
import { exitCodeFor, printError } from './output.js';

const program = new Command('syncline')
  .description('Keeps Elasticsearch/OpenSearch indexes in step with MySQL/MariaDB')
  .option(
    '-c, --config <file>',
    'config file (default: ./syncline.yaml when present, else built-in defaults)',
  )
  .showHelpAfterError();

let cached: SynclineConfig | undefined;
const config = (): SynclineConfig => {
  const file = program.opts<{ config?: string }>().config;
  cached ??= loadConfig(file === undefined ? {} : { file });
  return cached;
};

registerStack(program, config);
registerRun(program, config);
registerReconcile(program, config);
registerReindex(program, config);
registerDlq(program, config);
registerSnapshot(program, config);
registerPolling(program, config);

program.parseAsync(process.argv).catch((e: unknown) => {
  printError(e);
  process.exit(exitCodeFor(e));
});
