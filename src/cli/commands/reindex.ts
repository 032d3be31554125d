import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { reindex, reindexStatus } from '../../ops/reindex/reindex.js';
import { table } from '../output.js';
import { emit, type OpsFlags, parseIntOption, withOps } from './ops-common.js';

export function registerReindex(program: Command, loadConfig: () => SynclineConfig): void {
  program
    .command('reindex <index>')
    .description(
      'rebuild an index from the current definition without downtime: <index>_v<N+1> from a snapshot while streaming, then an atomic alias swap (the old index is kept)',
    )
    .option('--rollback', 'move the alias back to the index the last reindex replaced, caught up first')
    .option('--status', 'show where the alias points, the versions and the last runs')
    .option('--restart', 'discard the leftover of an interrupted run instead of resuming it')
    .option('--accept-dead-letters', 'swap even if some documents could not be written to the new index')
    .option('--chunk-size <rows>', 'rows per snapshot chunk', parseIntOption('--chunk-size'))
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress output')
    .action(
      async (
        index: string,
        opts: OpsFlags & {
          rollback?: boolean;
          status?: boolean;
          restart?: boolean;
          acceptDeadLetters?: boolean;
          chunkSize?: number;
        },
      ) => {
        if (opts.status) {
          const s = await withOps(loadConfig, opts, (ctx) => reindexStatus(ctx, index));
          emit(opts, s, () =>
            [
              `${s.alias} → ${s.current.join(', ') || '(nothing)'}; versions: ${s.versions.join(', ') || 'none'}`,
              table(
                s.history.map((r) => ({
                  id: r.id,
                  kind: r.kind,
                  from: r.fromIndex,
                  to: r.toIndex,
                  state: r.state,
                  started: r.startedAt,
                  finished: r.finishedAt ?? undefined,
                  error: r.error?.slice(0, 60) ?? undefined,
                })),
              ),
            ].join('\n'),
          );
          return;
        }
        const r = await withOps(loadConfig, opts, (ctx, progress, signal) =>
          reindex(
            ctx,
            {
              index,
              rollback: opts.rollback ?? false,
              restart: opts.restart ?? false,
              acceptDeadLetters: opts.acceptDeadLetters ?? false,
              ...(opts.chunkSize && { chunkSize: opts.chunkSize }),
              signal,
            },
            progress.update,
          ),
        );
        emit(
          opts,
          r,
          () =>
            `${r.kind === 'rollback' ? 'rolled back' : 'reindexed'} ${r.alias}: ${r.from} → ${r.to} (${r.rows} rows, ${r.events} events, ${(r.durationMs / 1000).toFixed(1)} s)${r.kind === 'reindex' ? `; ${r.from} kept for --rollback` : ''}`,
        );
      },
    );
}
