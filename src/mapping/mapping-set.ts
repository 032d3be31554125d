import type { ChangeEvent } from '../core/change-event.js';
import type { IndexOp, Mapping } from '../core/interfaces.js';
import type { Queryable } from './column-types.js';
import {
  type ComputedField,
  type MappingInput,
  TableMapping,
  type TableMappingOptions,
} from './table-mapping.js';

export interface MappingSetOptions {
  /** Computed fields by source table ("database.table"), applied to every mapping of that table. */
  computed?: Readonly<Record<string, Readonly<Record<string, ComputedField>>>>;
  onSchemaDrift?: TableMappingOptions['onSchemaDrift'];
}

/**
 * Every mapping of a config, looked up by `database.table`. A table may feed several indexes (one
 * mapping each); toOps returns the ops of all of them, and nothing for a table that is not mapped.
 */
export class MappingSet implements Mapping {
  private readonly byTable = new Map<string, TableMapping[]>();

  constructor(readonly mappings: readonly TableMapping[]) {
    for (const m of mappings) {
      const key = `${m.database}.${m.table}`;
      const list = this.byTable.get(key) ?? [];
      list.push(m);
      this.byTable.set(key, list);
    }
  }

  /** Reads the descriptors of every mapped table (one INFORMATION_SCHEMA round trip per mapping). */
  static async load(
    db: Queryable,
    configs: readonly MappingInput[],
    options: MappingSetOptions = {},
  ): Promise<MappingSet> {
    const mappings: TableMapping[] = [];
    for (const config of configs) {
      const computed = options.computed?.[config.table];
      mappings.push(
        await TableMapping.load(db, config, {
          ...(computed && { computed }),
          ...(options.onSchemaDrift && { onSchemaDrift: options.onSchemaDrift }),
        }),
      );
    }
    return new MappingSet(mappings);
  }

  forTable(database: string, table: string): readonly TableMapping[] {
    return this.byTable.get(`${database}.${table}`) ?? [];
  }

  /** The first mapping of a table (most tables have exactly one). */
  get(database: string, table: string): TableMapping | undefined {
    return this.forTable(database, table)[0];
  }

  handles(database: string, table: string): boolean {
    return this.byTable.has(`${database}.${table}`);
  }

  indexOf(database: string, table: string): string | undefined {
    return this.get(database, table)?.index;
  }

  /** Distinct target indexes (aliases), in config order. */
  indexes(): string[] {
    return [...new Set(this.mappings.map((m) => m.index))];
  }

  toOps(ev: ChangeEvent): IndexOp[] {
    const list = this.byTable.get(`${ev.source.database}.${ev.source.table}`);
    if (!list) return [];
    if (list.length === 1) return list[0]!.toOps(ev);
    return list.flatMap((m) => m.toOps(ev));
  }

  /** Re-reads descriptors: of one table, or of every mapped table. */
  async refreshColumns(db: Queryable, database?: string, table?: string): Promise<void> {
    const targets = database && table ? this.forTable(database, table) : this.mappings;
    for (const m of targets) await m.refreshColumns(db);
  }
}
