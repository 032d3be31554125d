import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { eventToJson } from '../../core/event-json.js';
import type { DeadLetterKind } from '../../core/interfaces.js';
import {
  checkKind,
  deadLetterCounts,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
} from '../../ops/dead-letters.js';
import { ExitCode, table } from '../output.js';
import { emit, type OpsFlags, parseIds, parseIntOption, withOps } from './ops-common.js';

interface Selection extends OpsFlags {
  index?: string;
  kind?: string;
  pipeline?: string;
  ids?: number[];
}

function selection(o: Selection) {
  const kind: DeadLetterKind | undefined = checkKind(o.kind);
  return {
    ...(o.index && { index: o.index }),
    ...(kind && { kind }),
    ...(o.pipeline && { pipeline: o.pipeline }),
    ...(o.ids && { ids: o.ids }),
  };
}

function selectionOptions(c: Command): Command {
  return c
    .option('--index <index>', 'only this index')
    .option(
      '--kind <kind>',
      'only this kind: mapping, rejected, retries-exhausted, conversion, invalid-event',
    )
    .option('--pipeline <name>', 'only this pipeline')
    .option('--ids <ids>', 'only these ids (comma-separated)', parseIds)
    .option('--json', 'print the result as JSON');
}

export function registerDlq(program: Command, loadConfig: () => SynclineConfig): void {
  const dlq = program.command('dlq').description('dead letters: list, show, counts, replay, purge');

  selectionOptions(dlq.command('list').description('list dead letters (oldest first)'))
    .option('--limit <n>', 'at most this many (default 100)', parseIntOption('--limit'))
    .action(async (o: Selection & { limit?: number }) => {
      const list = await withOps(loadConfig, o, (ctx) =>
        listDeadLetters(ctx, { ...selection(o), limit: o.limit ?? 100 }),
      );
      emit(o, list, () =>
        list.length === 0
          ? 'no dead letters'
          : table(
              list.map((e) => ({
                id: e.id,
                index: e.index,
                doc: e.docId ?? undefined,
                kind: e.kind,
                attempts: e.attempts,
                op: e.op,
                'last seen': e.lastSeen,
                error: e.error.slice(0, 80),
              })),
            ),
      );
    });

  dlq
    .command('show <id>')
    .description('one dead letter with its event and full error')
    .option('--json', 'print it as JSON')
    .action(async (id: string, o: OpsFlags) => {
      const n = parseIntOption('id')(id);
      const e = await withOps(loadConfig, o, (ctx) => showDeadLetter(ctx, n));
      const value = { ...e, event: JSON.parse(eventToJson(e.event)) };
      emit(o, value, () => JSON.stringify(value, null, 2));
    });

  dlq
    .command('counts')
    .description('dead letters by index and kind')
    .option('--json', 'print them as JSON')
    .action(async (o: OpsFlags) => {
      const c = await withOps(loadConfig, o, (ctx) => deadLetterCounts(ctx));
      emit(o, c, () => (c.total === 0 ? 'no dead letters' : `${table(c.byIndex)}\ntotal ${c.total}`));
    });

  selectionOptions(
    dlq
      .command('replay')
      .description(
        'replay through the current mapping and the sink; landed (or already newer) entries are removed, failures kept with attempts + 1 (exit 5 when some fail again)',
      ),
  )
    .option('--include-truncate', 'also replay TRUNCATE events (they delete every document of the index)')
    .option('-q, --quiet', 'no progress output')
    .action(async (o: Selection & { includeTruncate?: boolean }) => {
      const r = await withOps(loadConfig, o, (ctx, progress, signal) =>
        replayDeadLetters(
          ctx,
          { ...selection(o), includeTruncate: o.includeTruncate ?? false, signal },
          progress.update,
        ),
      );
      emit(o, r, () =>
        [
          `replayed ${r.selected}: ${r.landed} landed, ${r.stale} already up to date, ${r.failed} failed again, ${r.skipped} skipped; ${r.removed} removed from the store`,
          ...r.failures.slice(0, 10).map((f) => `  #${f.id} ${f.kind}: ${f.error.slice(0, 160)}`),
        ].join('\n'),
      );
      if (r.failed > 0) process.exitCode = ExitCode.PARTIAL;
    });

  selectionOptions(dlq.command('purge').description('delete dead letters (a selection, or --all)'))
    .option('--all', 'every dead letter')
    .action(async (o: Selection & { all?: boolean }) => {
      const r = await withOps(loadConfig, o, (ctx) =>
        purgeDeadLetters(ctx, { ...selection(o), all: o.all ?? false }),
      );
      emit(o, r, () => `removed ${r.removed} dead letter(s)`);
    });
}
