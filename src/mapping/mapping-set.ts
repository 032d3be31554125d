import type { ChangeEvent } from '../core/change-event.js';
import type { IndexOp, Mapping, RebuildContext, WriteResult } from '../core/interfaces.js';
import type { SearchClient } from '../sinks/search/client.js';
import type { Queryable } from './column-types.js';
import type { RowQueryable } from './exact-numbers.js';
import { RelationRebuilder } from './relations/rebuilder.js';
import { loadRelationTree, type RelationConfig } from './relations/relation-tree.js';
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
  /** Finds the documents embedding a row whose delete cascaded silently (mappings with relations). */
  search?: SearchClient;
}

type RebuilderDb = RowQueryable & { query(sql: string, values?: unknown): Promise<[unknown, unknown]> };

/**
 * Every mapping of a config, looked up by `database.table`. A table may feed several indexes (one
 * mapping each); toOps returns the ops of all of them, and nothing for a table that is not mapped.
 */
export class MappingSet implements Mapping {
  private readonly byTable = new Map<string, TableMapping[]>();
  /** Flat mappings by table: a built mapping's root is not among them (its rebuilder writes it). */
  private readonly flatByTable = new Map<string, TableMapping[]>();

  constructor(
    readonly mappings: readonly TableMapping[],
    /** Mappings with relations: their documents are built from several tables (docs/mapping.md). */
    readonly rebuilders: readonly RelationRebuilder[] = [],
  ) {
    const built = new Set(rebuilders.map((r) => r.tree.root));
    for (const m of mappings) {
      if (built.has(m)) continue;
      const key = `${m.database}.${m.table}`;
      const list = this.flatByTable.get(key) ?? [];
      list.push(m);
      this.flatByTable.set(key, list);
    }
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
    const rebuilders: RelationRebuilder[] = [];
    for (const config of configs) {
      const computed = options.computed?.[config.table];
      const m = await TableMapping.load(db, config, {
        ...(computed && { computed }),
        ...(options.onSchemaDrift && { onSchemaDrift: options.onSchemaDrift }),
      });
      mappings.push(m);
      const relations = (config as { relations?: readonly RelationConfig[] }).relations;
      if (relations && relations.length > 0) {
        const tree = await loadRelationTree(db, m, relations);
        rebuilders.push(new RelationRebuilder(tree, db as unknown as RebuilderDb, options.search));
      }
    }
    return new MappingSet(mappings, rebuilders);
  }

  forTable(database: string, table: string): readonly TableMapping[] {
    return this.byTable.get(`${database}.${table}`) ?? [];
  }

  /** The first mapping of a table (most tables have exactly one). */
  get(database: string, table: string): TableMapping | undefined {
    return this.forTable(database, table)[0];
  }

  handles(database: string, table: string): boolean {
    const key = `${database}.${table}`;
    return this.byTable.has(key) || this.rebuilders.some((r) => r.handles(database, table));
  }

  indexOf(database: string, table: string): string | undefined {
    return this.get(database, table)?.index;
  }

  /** Distinct target indexes (aliases), in config order. */
  indexes(): string[] {
    return [...new Set(this.mappings.map((m) => m.index))];
  }

  /** Rebuilds the built documents (mappings with relations) the events affect. */
  async rebuild(events: readonly ChangeEvent[], ctx: RebuildContext): Promise<WriteResult | undefined> {
    let sum: WriteResult | undefined;
    for (const r of this.rebuilders) {
      if (!events.some((ev) => r.handles(ev.source.database, ev.source.table))) continue;
      const w = await r.rebuild(events, ctx);
      if (w)
        sum = sum
          ? {
              outcomes: [],
              ok: sum.ok + w.ok,
              stale: sum.stale + w.stale,
              dead: sum.dead + w.dead,
              retried: sum.retried + w.retried,
            }
          : w;
    }
    return sum;
  }

  /** Tables read by the built documents (roots, related and join tables), as `database.table`. */
  relatedTables(): Set<string> {
    const out = new Set<string>();
    for (const r of this.rebuilders) for (const t of r.collector.tables()) out.add(t);
    return out;
  }

  toOps(ev: ChangeEvent): IndexOp[] {
    const list = this.flatByTable.get(`${ev.source.database}.${ev.source.table}`);
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
