import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { type IndexReport, reconcile } from '../../ops/reconcile/reconcile.js';
import { ExitCode, table } from '../output.js';
import { emit, type OpsFlags, parseIntOption, withOps } from './ops-common.js';

export function registerReconcile(program: Command, loadConfig: () => SynclineConfig): void {
  program
    .command('reconcile [target]')
    .description(
      'compare tables with their indexes (a pipeline, database.table or index; default all) and report missing, extra and stale documents; exit 4 when drift is found',
    )
    .option('--repair', 'fix what differs through the versioned sink path')
    .option('--chunk-size <rows>', 'rows per key range', parseIntOption('--chunk-size'))
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress output')
    .action(async (target: string | undefined, opts: OpsFlags & { repair?: boolean; chunkSize?: number }) => {
      const report = await withOps(loadConfig, opts, (ctx, progress, signal) =>
        reconcile(
          ctx,
          {
            ...(target && { target }),
            repair: opts.repair ?? false,
            ...(opts.chunkSize && { chunkSize: opts.chunkSize }),
            signal,
          },
          progress.update,
        ),
      );
      emit(opts, report, () => human(report.indexes, report.drift, opts.repair ?? false));
      if (report.drift > 0) process.exitCode = ExitCode.DRIFT;
    });
}

function human(indexes: IndexReport[], drift: number, repair: boolean): string {
  const rows = indexes.map((r) => ({
    index: r.index,
    rows: r.rows,
    docs: r.extrasChecked ? r.docs : '?',
    missing: r.missing,
    extra: r.extra,
    stale: r.stale,
    'in flight': r.inFlight,
    unmappable: r.unmappable,
    ...(repair && {
      repaired: r.repair ? r.repair.indexed + r.repair.deleted : 0,
      remaining: r.repair?.remaining ?? 0,
    }),
  }));
  const lines = [table(rows)];
  for (const r of indexes) {
    for (const kind of ['missing', 'extra', 'stale', 'inFlight', 'unmappable'] as const) {
      const ids = r.samples[kind];
      if (ids.length > 0)
        lines.push(`${r.index} ${kind}: ${ids.slice(0, 20).join(', ')}${r[kind] > 20 ? ', …' : ''}`);
    }
    if (!r.extrasChecked) lines.push(`${r.index}: extras not checked (${r.extrasSkippedReason})`);
    if (r.pipelinesNotWaitedFor.length > 0)
      lines.push(`${r.index}: not waited for (not running?): ${r.pipelinesNotWaitedFor.join(', ')}`);
  }
  lines.push(
    drift === 0
      ? repair
        ? 'no drift left'
        : 'no drift: every index equals its tables'
      : repair
        ? `${drift} document(s) still differ after the repair`
        : `drift: ${drift} document(s) differ; run with --repair to fix them`,
  );
  return lines.join('\n');
}
