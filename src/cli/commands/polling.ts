import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { SynclineError } from '../../core/errors.js';
import { createDbPool } from '../../runtime/clients.js';
import {
  DEFAULT_TOMBSTONE_TABLE,
  installTombstoneTrigger,
  removeTombstoneTrigger,
} from '../../sources/polling/tombstones.js';

const QUALIFIED = /^[^.\s]+\.[^.\s]+$/;

function checkTable(table: string): string {
  if (!QUALIFIED.test(table))
    throw new SynclineError('CONFIG_INVALID', `table "${table}": write it as database.table`);
  return table;
}

/** The tombstone table of the config's polling pipeline for `table`, else <internalDatabase>.polling_tombstones. */
function tombstoneTableFor(config: SynclineConfig, table: string, explicit?: string): string {
  if (explicit) return checkTable(explicit);
  for (const p of config.pipelines) {
    const s = p.source;
    if (s.type === 'polling' && s.tables.includes(table) && s.deletes.tombstoneTable)
      return s.deletes.tombstoneTable;
  }
  return `${config.internalDatabase}.${DEFAULT_TOMBSTONE_TABLE}`;
}

/** `syncline polling install-triggers|remove-triggers <database.table>` (docs/polling.md#deletes). */
export function registerPolling(program: Command, loadConfig: () => SynclineConfig): void {
  const polling = program.command('polling').description('polling source helpers (docs/polling.md)');
  polling
    .command('install-triggers')
    .argument('<table>', 'database.table whose deletes the polling source must see')
    .option(
      '--tombstone-table <table>',
      'tombstone table (default: the pipeline’s deletes.tombstoneTable, else <internalDatabase>.polling_tombstones)',
    )
    .description(
      'create the tombstone table (when missing) and an AFTER DELETE trigger that records deleted keys',
    )
    .action(async (table: string, opts: { tombstoneTable?: string }) => {
      const config = loadConfig();
      const target = tombstoneTableFor(config, checkTable(table), opts.tombstoneTable);
      const keys = config.mappings.find((m) => m.table === table)?.keyColumns;
      const pool = createDbPool(config);
      try {
        const r = await installTombstoneTrigger(pool, table, target, keys);
        process.stdout.write(
          `installed trigger ${r.trigger}: deletes on ${table} (key ${r.keyColumns.join(', ')}) go to ${target}\n` +
            `set pipelines[].source.deletes.tombstoneTable: ${target} in the polling pipeline\n`,
        );
      } finally {
        await pool.end();
      }
    });
  polling
    .command('remove-triggers')
    .argument('<table>', 'database.table')
    .description('drop the tombstone trigger of a table (the tombstone table and its rows stay)')
    .action(async (table: string) => {
      const config = loadConfig();
      const pool = createDbPool(config);
      try {
        const r = await removeTombstoneTrigger(pool, checkTable(table));
        process.stdout.write(
          r.existed ? `removed trigger ${r.trigger}\n` : `no trigger ${r.trigger}; nothing to do\n`,
        );
      } finally {
        await pool.end();
      }
    });
}
