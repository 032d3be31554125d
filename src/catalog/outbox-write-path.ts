import { outboxInsert } from '../sources/outbox/outbox-table.js';
import { notifyOutbox } from '../sources/outbox/wake.js';
import type { CatalogTable, WriteContext, WriteKind, WritePath } from './write-path.js';

export interface OutboxWritePathOptions {
  /** `database.table` of the outbox. */
  readonly outboxTable: string;
  /** The catalog's database (the outbox row names its aggregate as database.table). */
  readonly database: string;
  /** Key columns per table (the mapping's). */
  readonly keyColumns: (table: CatalogTable) => readonly string[];
}

/**
 * `outbox` (docs/outbox.md): the change is inserted into the outbox table through the transaction's
 * manager, so it commits or rolls back with the row — no window where one exists without the other. A
 * relay (src/sources/outbox) ships it through the core pipeline. The response announces no version: the
 * relay versions the row when it reads it (docs/outbox.md#versions), after this commit.
 */
export class OutboxWritePath implements WritePath {
  readonly mode = 'outbox' as const;

  constructor(private readonly o: OutboxWritePathOptions) {}

  async afterWrite(
    table: CatalogTable,
    kind: WriteKind,
    row: Readonly<Record<string, unknown>>,
    ctx: WriteContext,
  ): Promise<void> {
    const key: Record<string, unknown> = {};
    for (const k of this.o.keyColumns(table)) key[k] = row[k];
    const { sql, params } = outboxInsert(
      this.o.outboxTable,
      `${this.o.database}.${table}`,
      kind === 'delete' ? 'd' : 'u',
      key,
      kind === 'delete' ? null : { ...row },
    );
    await ctx.manager.query(sql, params);
    ctx.afterCommit(() => {
      notifyOutbox(this.o.outboxTable);
      return 'queued';
    });
  }
}
