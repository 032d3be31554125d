#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { SynclineConfig } from '../config/schema.js';
import { registerRun } from './commands/run.js';
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

program.parseAsync(process.argv).catch((e: unknown) => {
  printError(e);
  process.exit(exitCodeFor(e));
});
