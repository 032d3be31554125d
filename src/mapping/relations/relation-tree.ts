import type { RowDataPacket } from 'mysql2';
import { SynclineError } from '../../core/errors.js';
import { type Queryable, readTableColumns, type TableColumns } from '../column-types.js';
import { TableMapping } from '../table-mapping.js';

/** One entry of `mappings[].relations` (src/config/schema.ts declares it; docs/mapping.md explains it). */
export interface RelationConfig {
  readonly field: string;
  readonly kind: 'many-to-one' | 'one-to-many' | 'many-to-many';
  readonly table: string;
  readonly on: Readonly<Record<string, string>>;
  readonly through?: { readonly table: string; readonly to: Readonly<Record<string, string>> };
  readonly include?: readonly string[];
  readonly nested?: boolean;
  /** A path string of this row and its ancestors (docs/mapping.md#a-path-string): `数码 > 手机`. */
  readonly path?: {
    readonly column: string;
    readonly via: string;
    readonly field?: string;
    readonly separator?: string;
  };
  /** Chinese text columns of the related row (as mappings[].text). */
  readonly text?: Readonly<Record<string, { readonly language: 'zh' }>>;
  readonly relations?: readonly RelationConfig[];
}

export interface TableRef {
  readonly database: string;
  readonly table: string;
}

/**
 * A relation checked against the tables' columns. A row of `table` attaches to a parent row when
 * parent.parentColumns = linkTable.linkColumns, where linkTable is the join table for many-to-many
 * (whose toColumns then equal the related row's targetColumns) and the related table otherwise.
 */
export interface RelationNode extends TableRef {
  readonly field: string;
  readonly kind: RelationConfig['kind'];
  /** Where the config declares it, for messages: mappings[db.t].relations[0].relations[1]. */
  readonly where: string;
  /** Document path of the embedded rows: `category`, `category.parent`, `tags`. */
  readonly path: string;
  readonly parent: RelationNode | undefined;
  readonly parentColumns: readonly string[];
  readonly linkColumns: readonly string[];
  readonly through:
    | (TableRef & { readonly toColumns: readonly string[]; readonly targetColumns: readonly string[] })
    | undefined;
  readonly keyColumns: readonly string[];
  /** Converts the related row into the embedded object (selected columns + key columns). */
  readonly mapping: TableMapping;
  readonly nested: boolean;
  readonly children: RelationNode[];
  /** The path string of the embedded object: `column` of each row up the `via` relation, top first. */
  readonly pathOf?: {
    readonly field: string;
    readonly column: string;
    readonly via: string;
    readonly separator: string;
  };
}

export interface RelationTree {
  readonly root: TableMapping;
  readonly nodes: readonly RelationNode[];
  readonly top: readonly RelationNode[];
  /**
   * Tables whose deletes or key changes cascade silently (ON DELETE/UPDATE CASCADE or SET NULL of a
   * foreign key between tables of this tree): the server does not write those cascaded rows to the
   * binlog, so the documents embedding such a row are found through the index instead.
   */
  readonly cascadeSources: ReadonlySet<string>;
}

const qualified = (t: TableRef) => `${t.database}.${t.table}`;

function refOf(name: string, database: string): TableRef {
  const dot = name.indexOf('.');
  return dot < 0 ? { database, table: name } : { database: name.slice(0, dot), table: name.slice(dot + 1) };
}

function mismatch(message: string): SynclineError {
  return new SynclineError('RELATION_MISMATCH', message);
}

/** The column of `cols` named `name` (case-insensitive) with its real spelling, or a RELATION_MISMATCH. */
function column(cols: TableColumns, name: string, where: string): string {
  const c = cols.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) {
    throw mismatch(
      `${where}: no column ${name} in ${cols.database}.${cols.table} (columns: ${cols.columns.map((x) => x.name).join(', ')})`,
    );
  }
  return c.name;
}

async function columnsOf(db: Queryable, t: TableRef, where: string): Promise<TableColumns> {
  try {
    return await readTableColumns(db, t.database, t.table);
  } catch (e) {
    throw mismatch(`${where}: table ${qualified(t)} does not exist (${(e as Error).message})`);
  }
}

/** Reads every table of the mapping's relations from INFORMATION_SCHEMA and checks the relations fit. */
export async function loadRelationTree(
  db: Queryable,
  root: TableMapping,
  relations: readonly RelationConfig[],
): Promise<RelationTree> {
  const nodes: RelationNode[] = [];
  const rootWhere = `mappings[${root.database}.${root.table}].relations`;
  const load = async (
    configs: readonly RelationConfig[],
    parent: RelationNode | undefined,
    parentColumns: TableColumns,
    whereBase: string,
  ): Promise<RelationNode[]> => {
    const out: RelationNode[] = [];
    const fields = new Set<string>();
    for (const [i, r] of configs.entries()) {
      const where = `${whereBase}[${i}]`;
      if (fields.has(r.field)) throw mismatch(`${where}.field: "${r.field}" is used by two relations`);
      fields.add(r.field);
      const ref = refOf(r.table, parent?.database ?? root.database);
      const cols = await columnsOf(db, ref, `${where}.table`);
      const keyColumns = cols.primaryKey;
      if (!keyColumns) throw mismatch(`${where}.table: ${qualified(ref)} has no primary key`);
      const onEntries = Object.entries(r.on);
      if (onEntries.length === 0)
        throw mismatch(`${where}.on: name at least one parent column → column pair`);
      if (r.kind === 'many-to-many' && !r.through)
        throw mismatch(
          `${where}.through: a many-to-many relation needs its join table (through.table, through.to)`,
        );
      if (r.kind !== 'many-to-many' && r.through)
        throw mismatch(`${where}.through: only a many-to-many relation has a join table`);
      const parentCols = onEntries.map(([p]) => column(parentColumns, p, `${where}.on.${p}`));
      let linkColumns: string[];
      let through: RelationNode['through'];
      if (r.through) {
        const tref = refOf(r.through.table, ref.database);
        const tcols = await columnsOf(db, tref, `${where}.through.table`);
        linkColumns = onEntries.map(([p, c]) => column(tcols, c, `${where}.on.${p}`));
        const to = Object.entries(r.through.to);
        if (to.length === 0)
          throw mismatch(`${where}.through.to: name at least one join column → column pair`);
        through = {
          ...tref,
          toColumns: to.map(([j]) => column(tcols, j, `${where}.through.to.${j}`)),
          targetColumns: to.map(([j, c]) => column(cols, c, `${where}.through.to.${j}`)),
        };
      } else {
        linkColumns = onEntries.map(([p, c]) => column(cols, c, `${where}.on.${p}`));
      }
      const include = r.include?.map((c) => column(cols, c, `${where}.include`));
      const realKeys = keyColumns.map((k) => column(cols, k, `${where}.table`));
      const mapping = new TableMapping(
        {
          table: qualified(ref),
          index: root.index,
          ...(include && { include: [...new Set([...realKeys, ...include])] }),
          decimal: root.config.decimal,
          tinyint1: root.config.tinyint1,
          datetimeZone: root.config.datetimeZone,
          ...(r.text && { text: { ...r.text } }),
        },
        cols,
      );
      const node: RelationNode = {
        ...ref,
        field: r.field,
        kind: r.kind,
        where,
        path: parent ? `${parent.path}.${r.field}` : r.field,
        parent,
        parentColumns: parentCols,
        linkColumns,
        through,
        keyColumns: realKeys,
        mapping,
        nested: r.nested ?? false,
        children: [],
      };
      nodes.push(node);
      out.push(node);
      if (r.relations?.length)
        node.children.push(...(await load(r.relations, node, cols, `${where}.relations`)));
      if (r.path) Object.assign(node, { pathOf: pathOf(r.path, node, cols, include, `${where}.path`) });
    }
    return out;
  };
  const top = await load(relations, undefined, root.columns, rootWhere);
  return { root, nodes, top, cascadeSources: await cascadingTables(db, root, nodes) };
}

/**
 * Checks a relation's `path`: `column` is embedded at this level and at the `via` level (a many-to-one
 * relation of this one, usually its parent category), whose own `via` relation continues the chain.
 */
function pathOf(
  p: NonNullable<RelationConfig['path']>,
  node: RelationNode,
  cols: TableColumns,
  include: readonly string[] | undefined,
  where: string,
): NonNullable<RelationNode['pathOf']> {
  const column_ = column(cols, p.column, `${where}.column`);
  if (include && !include.includes(column_) && !node.keyColumns.includes(column_))
    throw mismatch(`${where}.column: ${p.column} is not embedded (add it to include)`);
  const via = node.children.find((c) => c.field === p.via);
  if (via?.kind !== 'many-to-one')
    throw mismatch(
      `${where}.via: "${p.via}" is not a many-to-one relation of ${node.where} (relations: ${node.children.map((c) => c.field).join(', ') || 'none'})`,
    );
  const field = p.field ?? 'path';
  if (cols.columns.some((c) => c.name === field) || node.children.some((c) => c.field === field))
    throw mismatch(`${where}.field: "${field}" is already a column or relation of ${node.where}`);
  return { field, column: column_, via: p.via, separator: p.separator ?? ' > ' };
}

/** Tables of the tree referenced by a foreign key of the tree whose ON DELETE/UPDATE is not RESTRICT. */
async function cascadingTables(
  db: Queryable,
  root: TableMapping,
  nodes: readonly RelationNode[],
): Promise<Set<string>> {
  const tables = new Set<string>([`${root.database}.${root.table}`]);
  for (const n of nodes) {
    tables.add(qualified(n));
    if (n.through) tables.add(qualified(n.through));
  }
  const databases = [...new Set([...tables].map((t) => t.split('.')[0]!))];
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS t, REFERENCED_TABLE_NAME AS rt, DELETE_RULE AS d, UPDATE_RULE AS u
       FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?)`,
    [databases],
  );
  const silent = new Set<string>();
  const acts = (rule: unknown) => rule === 'CASCADE' || rule === 'SET NULL' || rule === 'SET DEFAULT';
  for (const r of rows) {
    const child = `${r.db}.${r.t}`;
    const parent = `${r.db}.${r.rt}`;
    if (tables.has(child) && tables.has(parent) && (acts(r.d) || acts(r.u))) silent.add(parent);
  }
  return silent;
}
