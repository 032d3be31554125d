import type { FieldPacket } from 'mysql2';
import type { Row } from '../../core/change-event.js';
import { type RowQueryable, readRows, selectExact } from '../exact-numbers.js';
import type { RelationNode, RelationTree } from './relation-tree.js';

/** Values per IN list: one statement per relation for a page of roots, small enough for any server. */
const PER_STATEMENT = 1000;

export const quote = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/** A tuple of column values as a comparable string (the server compared them; this only groups). */
export function tupleKey(values: readonly unknown[]): string {
  return JSON.stringify(
    values.map((v) =>
      v === null || v === undefined
        ? null
        : Buffer.isBuffer(v)
          ? `x${v.toString('hex')}`
          : v instanceof Date
            ? v.toISOString()
            : String(v),
    ),
  );
}

/** `(a, b) IN ((?, ?), …)` or `a IN (?, …)` over `alias`. */
export function inList(alias: string, columns: readonly string[], count: number): string {
  const cols = columns.map((c) => `${alias}.${quote(c)}`);
  if (columns.length === 1) return `${cols[0]} IN (${Array(count).fill('?').join(', ')})`;
  const one = `(${columns.map(() => '?').join(', ')})`;
  return `(${cols.join(', ')}) IN (${Array(count).fill(one).join(', ')})`;
}

export interface BuiltRoot {
  /** Root key values, in the root's key column order. */
  readonly key: readonly unknown[];
  readonly row: Row;
  readonly doc: Record<string, unknown>;
}

/** A parent row with the object its related rows attach to. */
interface Holder {
  readonly row: Row;
  readonly doc: Record<string, unknown>;
}

/**
 * Root documents from the current rows: one SELECT of the roots, then one SELECT per relation (per
 * PER_STATEMENT parents) — never one query per document. Rows are read as every row read is
 * (exact FLOAT/DOUBLE, mapping/exact-numbers.ts) and converted by the same column converters.
 */
export class DocumentBuilder {
  constructor(
    private readonly db: RowQueryable,
    readonly tree: RelationTree,
  ) {}

  /** Root rows and their documents for `keys`; a key without a row is absent from the result. */
  async build(keys: ReadonlyArray<readonly unknown[]>): Promise<BuiltRoot[]> {
    const root = this.tree.root;
    const keyCols = root.keyColumns;
    const rows: Row[] = [];
    for (let i = 0; i < keys.length; i += PER_STATEMENT) {
      const part = keys.slice(i, i + PER_STATEMENT);
      const from = `${quote(root.database)}.${quote(root.table)}`;
      rows.push(
        ...(await readRows(
          this.db,
          root.database,
          root.table,
          `SELECT * FROM ${from} WHERE ${inList(from, keyCols, part.length)}`,
          part.flat(),
        )),
      );
    }
    const built = rows.map((row) => ({
      key: keyCols.map((k) => row[k]),
      row,
      doc: root.toDocument(row),
    }));
    await this.attach(this.tree.top, built);
    return built;
  }

  private async attach(nodes: readonly RelationNode[], parents: readonly Holder[]): Promise<void> {
    for (const node of nodes) {
      const groups = new Map<string, Holder[]>();
      for (const p of parents) {
        p.doc[node.field] = node.kind === 'many-to-one' ? null : [];
        const values = node.parentColumns.map((c) => p.row[c]);
        if (values.some((v) => v === null || v === undefined)) continue; // no related row (SQL NULL ≠ NULL)
        const k = tupleKey(values);
        const list = groups.get(k);
        if (list) list.push(p);
        else groups.set(k, [p]);
      }
      const links = [...groups.values()].map((list) => node.parentColumns.map((c) => list[0]!.row[c]));
      const children: Holder[] = [];
      for (let i = 0; i < links.length; i += PER_STATEMENT) {
        const part = links.slice(i, i + PER_STATEMENT);
        for (const { link, row } of await this.related(node, part)) {
          const doc = node.mapping.toDocument(row);
          children.push({ row, doc });
          for (const p of groups.get(tupleKey(link)) ?? []) {
            if (node.kind === 'many-to-one') p.doc[node.field] ??= doc;
            else (p.doc[node.field] as unknown[]).push(doc);
          }
        }
      }
      // one object per related row, shared by its parents: the next level fills it once
      const distinct = dedupe(children);
      if (node.children.length > 0) await this.attach(node.children, distinct);
      const p = node.pathOf;
      if (p) for (const c of distinct) c.doc[p.field] = pathString(c.doc, p);
    }
  }

  /** Related rows of the parents whose link values are `links`, in the related key order. */
  private async related(
    node: RelationNode,
    links: ReadonlyArray<readonly unknown[]>,
  ): Promise<Array<{ link: unknown[]; row: Row }>> {
    const order = node.keyColumns.map((c) => `t.${quote(c)}`).join(', ');
    const target = `${quote(node.database)}.${quote(node.table)} AS t`;
    if (!node.through) {
      const rows = await readRows(
        this.db,
        node.database,
        node.table,
        `SELECT * FROM ${target} WHERE ${inList('t', node.linkColumns, links.length)} ORDER BY ${order}`,
        links.flat(),
      );
      return rows.map((row) => ({ link: node.linkColumns.map((c) => row[c]), row }));
    }
    const j = node.through;
    const linkAs = node.linkColumns.map((c, i) => `j.${quote(c)} AS ${quote(`~link${i}`)}`).join(', ');
    const join = j.toColumns.map((c, i) => `j.${quote(c)} = t.${quote(j.targetColumns[i]!)}`).join(' AND ');
    const [rows, fields] = (await selectExact(
      this.db,
      node.database,
      node.table,
      (columns) =>
        `SELECT ${linkAs}, ${columns} FROM ${quote(j.database)}.${quote(j.table)} AS j JOIN ${target} ON ${join} WHERE ${inList('j', node.linkColumns, links.length)} ORDER BY ${order}`,
      links.flat(),
      { qualifier: 't', rowsAsArray: true },
    )) as [unknown[][], FieldPacket[]];
    const n = node.linkColumns.length;
    const names = fields.map((f) => f.name);
    return rows.map((values) => {
      const row: Row = {};
      for (let i = n; i < names.length; i++) row[names[i]!] = values[i];
      return { link: values.slice(0, n), row };
    });
  }
}

/** `column` of the object and of each object up its `via` chain, top first: `数码 > 手机`. */
export function pathString(
  doc: Record<string, unknown>,
  p: { readonly column: string; readonly via: string; readonly separator: string },
): string {
  const names: string[] = [];
  let o: unknown = doc;
  for (let depth = 0; o && typeof o === 'object' && depth < 16; depth++) {
    const v = (o as Record<string, unknown>)[p.column];
    if (v !== null && v !== undefined) names.unshift(String(v));
    o = (o as Record<string, unknown>)[p.via];
  }
  return names.join(p.separator);
}

function dedupe(holders: Holder[]): Holder[] {
  const seen = new Set<Record<string, unknown>>();
  return holders.filter((h) => !seen.has(h.doc) && seen.add(h.doc));
}
