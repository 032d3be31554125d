import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { requestResnapshot } from '../../ops/snapshot.js';
import { emit, type OpsFlags, parseKey, withOps } from './ops-common.js';

export function registerSnapshot(program: Command, loadConfig: () => SynclineConfig): void {
  program
    .command('snapshot <table>')
    .description(
      're-snapshot a table (database.table) or a key range of it in the running pipelines, while they keep streaming',
    )
    .option(
      '--from <key>',
      'start after this key (exclusive): "42" or a JSON array for composite keys',
      parseKey,
    )
    .option('--until <key>', 'stop at this key (inclusive)', parseKey)
    .option('--wait', 'wait until the pipelines have finished it, with progress')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress output')
    .action(
      async (name: string, opts: OpsFlags & { from?: unknown[]; until?: unknown[]; wait?: boolean }) => {
        const r = await withOps(loadConfig, opts, (ctx, progress, signal) =>
          requestResnapshot(
            ctx,
            {
              table: name,
              ...(opts.from && { from: opts.from }),
              ...(opts.until && { until: opts.until }),
              wait: opts.wait ?? false,
              signal,
            },
            progress.update,
          ),
        );
        emit(opts, r, () =>
          opts.wait
            ? `re-snapshot of ${r.table} done by ${r.completed.join(', ')}`
            : `re-snapshot of ${r.table} requested from ${r.pipelines.join(', ')} (they pick it up from the binlog)`,
        );
      },
    );
}
