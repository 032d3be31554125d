import type { ChangeEvent, Op, Row } from '../../../src/core/change-event.js';
import type { ColumnType, TableColumns } from '../../../src/mapping/column-types.js';

/** A descriptor as readTableColumns would build it, with the fields a test cares about. */
export function col(type: string, over: Partial<ColumnType> = {}): ColumnType {
  return {
    name: over.name ?? type,
    type,
    columnType: over.columnType ?? type,
    unsigned: false,
    precision: null,
    scale: null,
    fsp: null,
    length: null,
    enumValues: null,
    setValues: null,
    isTinyint1: false,
    charset: null,
    nullable: true,
    ...over,
  };
}

export function table(columns: readonly ColumnType[], primaryKey: string[] | null = ['id']): TableColumns {
  return { database: 'shop', table: 'products', columns, primaryKey };
}

export function event(
  op: Op,
  rows: { before?: Row | null; after?: Row | null; key?: Row },
  version = 42n,
  where: { database?: string; table?: string } = {},
): ChangeEvent {
  return {
    op,
    before: rows.before ?? null,
    after: rows.after ?? null,
    key: rows.key ?? {},
    source: {
      connector: 'mysql-binlog',
      database: where.database ?? 'shop',
      table: where.table ?? 'products',
      position: { version, checkpoint: {}, label: `v${version}` },
      snapshot: op === 'r',
      tsMs: 0,
    },
  };
}
