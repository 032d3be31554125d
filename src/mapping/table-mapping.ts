import type { MappingConfig } from '../config/schema.js';
import type { ChangeEvent, Row } from '../core/change-event.js';
import { SynclineError } from '../core/errors.js';
import type { IndexOp, Mapping } from '../core/interfaces.js';
import {
  type ColumnType,
  type Queryable,
  readTableColumns,
  type TableColumns,
  unknownColumn,
} from './column-types.js';
import { type CompiledDocument, compileDocumentBuilder, sameColumns } from './compiled-document.js';
import { bestEffort, type Converter, type ConvertOptions, compileConverter } from './convert.js';
import { documentId } from './document-id.js';
import { ConversionError } from './errors.js';
import { adaptForeignEvent, isForeignConnector } from './foreign-values.js';
import { jsonCopyField, jsonLeaves } from './json-copy.js';
import { jsonSafe } from './json-text.js';
import { enrichZh, zhField } from './text-enrichment/enrich.js';
import { parseZone } from './time-zone.js';
import { isVersionableType, versionFromSequence, versionSequence } from './version-column.js';

/** A field computed from the row: `row` holds every column by name, converted (canonical values). */
export type ComputedField = (row: Readonly<Record<string, unknown>>, ev: ChangeEvent) => unknown;

/** A mapping config as users write it (defaults of decimal, tinyint1 and datetimeZone optional). */
export type MappingInput = Omit<MappingConfig, 'decimal' | 'tinyint1' | 'datetimeZone'> &
  Partial<Pick<MappingConfig, 'decimal' | 'tinyint1' | 'datetimeZone'>>;

export interface TableMappingOptions {
  /** TS-only: fields added to each document, by field name (a computed field overrides a column). */
  computed?: Readonly<Record<string, ComputedField>>;
  /**
   * Told when rows stop matching the descriptors: a column with no descriptor (ALTER TABLE ADD/RENAME
   * COLUMN since the last refresh), or a value its descriptor cannot convert (MODIFY COLUMN). The
   * owner should call refreshColumns(); rows already dead-lettered can be replayed after it.
   */
  onSchemaDrift?: (info: { database: string; table: string; column: string; reason: string }) => void;
}

interface ColumnPlan {
  /** Document field name, or null when the column is not part of the document. */
  readonly field: string | null;
  readonly convert: Converter;
  readonly descriptor: ColumnType;
  /** Chinese text (mappings[].text): the document also gets `<field>_zh` (text-enrichment/). */
  readonly zh: boolean;
}

/** The key converters ignore presentation options, so ids do not change when they do. */
const KEY_OPTIONS = { decimal: 'string', tinyint1: 'number' } as const;

/**
 * One table → one index: selects, renames and converts columns, derives `_id`, and turns change events
 * into versioned index operations (docs/mapping.md).
 */
export class TableMapping implements Mapping {
  readonly database: string;
  readonly table: string;
  readonly index: string;
  readonly config: MappingConfig;
  private readonly options: TableMappingOptions;
  private readonly convertOptions: ConvertOptions;
  private readonly include: Set<string> | null;
  private readonly exclude: Set<string>;
  private readonly rename: Map<string, string>;
  /** Columns marked as Chinese text, lowercase. Empty: no text library is ever loaded. */
  private readonly zhColumns: Set<string>;
  private tableColumns!: TableColumns;
  private keys!: readonly string[];
  private plans = new Map<string, ColumnPlan>();
  /** Document fields the columns fill: a JSON column's search copy never overwrites one of them. */
  private columnFields = new Set<string>();
  private keyConverters = new Map<string, Converter>();
  private readonly reported = new Set<string>();
  private byLowerName = new Map<string, ColumnType>();
  private versionColumnName: string | undefined;
  /** The compiled document builder of the table's columns in table order (compiled-document.ts). */
  private builder: CompiledDocument | undefined;

  constructor(config: MappingInput, columns: TableColumns, options: TableMappingOptions = {}) {
    const [database, table] = config.table.split('.') as [string, string];
    this.database = database;
    this.table = table;
    this.index = config.index;
    this.config = { decimal: 'string', tinyint1: 'number', datetimeZone: 'UTC', ...config };
    this.options = options;
    try {
      parseZone(this.config.datetimeZone);
    } catch (e) {
      throw new SynclineError(
        'CONFIG_INVALID',
        `mappings[${config.table}].datetimeZone: ${(e as Error).message}`,
      );
    }
    this.convertOptions = {
      decimal: this.config.decimal,
      tinyint1: this.config.tinyint1,
      datetimeZone: this.config.datetimeZone,
    };
    const lower = (xs: readonly string[] | undefined) =>
      xs ? new Set(xs.map((x) => x.toLowerCase())) : null;
    this.include = lower(config.include);
    this.exclude = lower(config.exclude) ?? new Set();
    this.rename = new Map(Object.entries(config.rename ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    this.zhColumns = new Set(
      Object.entries(config.text ?? {})
        .filter(([, t]) => t.language === 'zh')
        .map(([c]) => c.toLowerCase()),
    );
    this.setColumns(columns);
  }

  /** Reads the table's descriptors from INFORMATION_SCHEMA and builds the mapping. */
  static async load(
    db: Queryable,
    config: MappingInput,
    options?: TableMappingOptions,
  ): Promise<TableMapping> {
    const [database, table] = config.table.split('.') as [string, string];
    return new TableMapping(config, await readTableColumns(db, database, table), options);
  }

  get columns(): TableColumns {
    return this.tableColumns;
  }

  /** The key columns: `keyColumns` from the config, else the primary key. */
  get keyColumns(): readonly string[] {
    return this.keys;
  }

  /** Re-reads the descriptors (after ALTER TABLE). Safe between any two toOps calls. */
  async refreshColumns(db: Queryable): Promise<void> {
    this.setColumns(await readTableColumns(db, this.database, this.table));
  }

  /** Replaces the descriptors; validates the key and the renames against them. */
  setColumns(columns: TableColumns): void {
    const where = `mappings[${this.config.table}]`;
    const keys = this.config.keyColumns ?? columns.primaryKey;
    if (!keys || keys.length === 0) {
      throw new SynclineError(
        'NO_PRIMARY_KEY',
        `${this.config.table} has no primary key and ${where}.keyColumns is not set`,
      );
    }
    const byName = new Map(columns.columns.map((c) => [c.name.toLowerCase(), c]));
    const missing = keys.filter((k) => !byName.has(k.toLowerCase()));
    if (missing.length > 0) {
      throw new SynclineError(
        'CONFIG_INVALID',
        `${where}.keyColumns: no column ${missing.join(', ')} in ${this.config.table}`,
      );
    }
    this.tableColumns = columns;
    this.byLowerName = byName;
    this.versionColumnName = undefined;
    if (this.config.versionColumn !== undefined) {
      const vc = byName.get(this.config.versionColumn.toLowerCase());
      if (!vc || !isVersionableType(vc.type)) {
        throw new SynclineError(
          'CONFIG_INVALID',
          `${where}.versionColumn: ${vc ? `${vc.name} is ${vc.columnType}; use DATETIME(6)/TIMESTAMP(6) or an integer column` : `no column ${this.config.versionColumn} in ${this.config.table}`}`,
        );
      }
      this.versionColumnName = vc.name;
    }
    this.keys = keys.map((k) => byName.get(k.toLowerCase())!.name);
    this.plans = new Map();
    this.keyConverters = new Map();
    for (const c of columns.columns) this.plans.set(c.name, this.planFor(c, false));
    const fields = new Map<string, string>();
    for (const [name, plan] of this.plans) {
      if (plan.field === null) continue;
      const other = fields.get(plan.field);
      if (other !== undefined) {
        throw new SynclineError(
          'CONFIG_INVALID',
          `${where}.rename: columns ${other} and ${name} both map to field "${plan.field}"`,
        );
      }
      fields.set(plan.field, name);
    }
    this.columnFields = new Set(fields.keys());
    for (const column of this.zhColumns) {
      const plan = [...this.plans.values()].find((p) => p.descriptor.name.toLowerCase() === column);
      if (!plan || plan.field === null) {
        throw new SynclineError(
          'CONFIG_INVALID',
          `${where}.text.${column}: ${plan ? 'the column is not part of the document (include/exclude)' : `no column ${column} in ${this.config.table}`}`,
        );
      }
      if (this.columnFields.has(zhField(plan.field))) {
        throw new SynclineError(
          'CONFIG_INVALID',
          `${where}.text.${column}: its enrichment field "${zhField(plan.field)}" is also a column's field; rename one of them`,
        );
      }
    }
    for (const k of this.keys) {
      const d = byName.get(k.toLowerCase())!;
      this.keyConverters.set(k, compileConverter(d, { ...this.convertOptions, ...KEY_OPTIONS }));
    }
    this.builder = compileDocumentBuilder(
      columns.columns.map((c) => {
        const plan = this.plans.get(c.name)!;
        const field = plan.field;
        const copy = field !== null && this.jsonCopyOf(plan) ? jsonCopyField(field) : undefined;
        return {
          column: c.name,
          field,
          convert: plan.convert,
          ...(plan.zh && field !== null && { zhField: zhField(field) }),
          ...(copy !== undefined && { jsonCopyField: copy }),
        };
      }),
      { enrichZh, jsonLeaves },
    );
    this.reported.clear();
  }

  /** Whether a JSON column's document gets its search copy (json-copy.ts): unless a column fills that field. */
  private jsonCopyOf(plan: ColumnPlan): boolean {
    return (
      plan.field !== null &&
      plan.descriptor.type === 'json' &&
      !this.columnFields.has(jsonCopyField(plan.field))
    );
  }

  private planFor(descriptor: ColumnType, unknown: boolean): ColumnPlan {
    const lower = descriptor.name.toLowerCase();
    const selected = (this.include === null || this.include.has(lower)) && !this.exclude.has(lower);
    return {
      field: selected ? (this.rename.get(lower) ?? descriptor.name) : null,
      convert: unknown ? bestEffort : compileConverter(descriptor, this.convertOptions),
      descriptor,
      zh: selected && this.zhColumns.has(lower),
    };
  }

  private plan(column: string): ColumnPlan {
    let p = this.plans.get(column);
    if (p) return p;
    const known = this.tableColumns.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
    p = known ? this.planFor({ ...known, name: column }, false) : this.planFor(unknownColumn(column), true);
    if (!known) this.drift(column, 'no descriptor for this column; converted best effort');
    this.plans.set(column, p);
    return p;
  }

  private drift(column: string, reason: string): void {
    if (this.reported.has(column)) return;
    this.reported.add(column);
    this.options.onSchemaDrift?.({ database: this.database, table: this.table, column, reason });
  }

  private convert(plan: ColumnPlan, value: unknown): unknown {
    try {
      return plan.convert(value);
    } catch (e) {
      if (e instanceof ConversionError) this.drift(plan.descriptor.name, e.message);
      throw e;
    }
  }

  /** The document field of a column, or null when the column is not in the document. */
  fieldOf(column: string): string | null {
    return this.plan(column).field;
  }

  handles(database: string, table: string): boolean {
    return database === this.database && table === this.table;
  }

  indexOf(database: string, table: string): string | undefined {
    return this.handles(database, table) ? this.index : undefined;
  }

  /** The document of a row: selected columns, renamed and converted, then the computed fields. */
  toDocument(row: Row, ev?: ChangeEvent): Record<string, unknown> {
    // a row with the table's columns in table order (what every reader gives) takes the compiled builder;
    // any other row, and a row a converter refuses (to report the column), the generic loop
    let doc: Record<string, unknown> | undefined;
    const builder = this.builder;
    if (builder !== undefined && sameColumns(Object.keys(row), builder.columns)) {
      try {
        doc = builder.build(row);
      } catch {
        doc = undefined;
      }
    }
    doc ??= this.columnsDocument(row);
    const computed = this.options.computed;
    if (computed) {
      const view = this.convertedView(row, doc);
      for (const [field, fn] of Object.entries(computed)) {
        let value: unknown;
        try {
          value = fn(view, ev as ChangeEvent);
        } catch (e) {
          if (e instanceof ConversionError) throw e;
          throw new ConversionError(
            field,
            'computed',
            null,
            `computed field threw: ${(e as Error)?.message ?? e}`,
            {
              cause: e,
            },
          );
        }
        if (value !== undefined) doc[field] = jsonSafe(value);
      }
    }
    return doc;
  }

  /** The columns' part of a document, column by column (any row shape; a converter's error names its column). */
  private columnsDocument(row: Row): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    for (const column of Object.keys(row)) {
      const plan = this.plan(column);
      if (plan.field === null) continue;
      const value = this.convert(plan, row[column]);
      doc[plan.field] = value;
      if (plan.zh) doc[zhField(plan.field)] = typeof value === 'string' ? enrichZh(value) : null;
      // a JSON column is stored, not indexed; its leaves are the searchable copy (json-copy.ts)
      if (this.jsonCopyOf(plan)) doc[jsonCopyField(plan.field)] = jsonLeaves(value);
    }
    return doc;
  }

  /** Column name → converted value, converted on first read (an unused excluded column cannot fail a row). */
  private convertedView(row: Row, doc: Record<string, unknown>): Record<string, unknown> {
    const view: Record<string, unknown> = {};
    for (const column of Object.keys(row)) {
      const plan = this.plan(column);
      let done = plan.field !== null;
      let value = done ? doc[plan.field!] : undefined;
      Object.defineProperty(view, column, {
        enumerable: true,
        get: () => {
          if (!done) [value, done] = [this.convert(plan, row[column]), true];
          return value;
        },
      });
    }
    return Object.freeze(view);
  }

  /** `_id` of a row (see document-id.ts); key values missing from the row are taken from `key`. */
  idOf(row: Row, key?: Row): string {
    const values = this.keys.map((k) => {
      const v = k in row ? row[k] : key && k in key ? key[k] : undefined;
      if (v === undefined) {
        throw new SynclineError(
          'EVENT_INVALID',
          `${this.config.table}: row has no value for key column ${k}`,
        );
      }
      return this.keyConverters.get(k)!(v);
    });
    return documentId(values, this.keys);
  }

  private hasKey(row: Row): boolean {
    return this.keys.every((k) => k in row);
  }

  /**
   * The event's version: its source position's, or — with `versionColumn` — derived from that column so
   * every source (binlog, snapshot, polling, ingest) gives the same row state the same version
   * (docs/polling.md#versions): value × 2 for c/r/u, the before-image's value × 2 + 1 for deletes.
   */
  versionOf(ev: ChangeEvent): bigint {
    const column = this.versionColumnName;
    if (column === undefined || ev.op === 't') return ev.source.position.version;
    const isDelete = ev.op === 'd';
    const row = isDelete ? ev.before : ev.after;
    const name = row ? Object.keys(row).find((k) => k.toLowerCase() === column.toLowerCase()) : undefined;
    if (!row || name === undefined) {
      throw new ConversionError(
        column,
        'version',
        null,
        isDelete
          ? 'versionColumn: a delete without the row before it cannot be versioned (needs binlog_row_image=FULL, or a tombstone row with the column)'
          : 'versionColumn: the row has no value for it',
      );
    }
    const plan = this.plan(name);
    return versionFromSequence(
      versionSequence(plan.descriptor, this.convert(plan, row[name]), row[name]),
      isDelete,
      column,
    );
  }

  /**
   * c/r → index; u → index (plus a delete of the old id when the update changed the key); d → delete;
   * t → truncate. Every op carries the event's version (external versioning, see docs/mapping.md).
   */
  toOps(event: ChangeEvent): IndexOp[] {
    if (!this.handles(event.source.database, event.source.table)) return [];
    // Canal/Maxwell/Debezium encodings → reader representations, by this table's column types; the ops
    // keep the event as received (a dead letter replays through this again)
    const ev = isForeignConnector(event.source.connector)
      ? adaptForeignEvent(event, this.byLowerName)
      : event;
    const version = this.versionOf(ev);
    const index = this.index;
    switch (ev.op) {
      case 'c':
      case 'r':
      case 'u': {
        if (!ev.after)
          throw new SynclineError('EVENT_INVALID', `${ev.op} event for ${this.config.table} without "after"`);
        const id = this.idOf(ev.after, ev.key);
        const doc = this.toDocument(ev.after, ev);
        const ops: IndexOp[] = [];
        if (ev.op === 'u' && ev.before && this.hasKey(ev.before)) {
          const oldId = this.idOf(ev.before);
          if (oldId !== id) ops.push({ action: 'delete', index, id: oldId, version, event });
        }
        ops.push({ action: 'index', index, id, version, doc, event });
        return ops;
      }
      case 'd': {
        const row = ev.before ?? ev.key;
        return [{ action: 'delete', index, id: this.idOf(row, ev.key), version, event }];
      }
      case 't':
        return [{ action: 'truncate', index, version, event }];
      default:
        throw new SynclineError('EVENT_INVALID', `unknown op ${JSON.stringify((ev as { op: unknown }).op)}`);
    }
  }
}
