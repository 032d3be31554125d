import type { ChangeEvent, Row } from '../../core/change-event.js';
import { quote, tupleKey } from './document-builder.js';
import type { RelationNode, RelationTree } from './relation-tree.js';

/**
 * Which root documents a batch of change events affects. Root rows are named by key; a change to a
 * related row becomes a *selector*: a condition on the root table, nested IN subqueries up the relation
 * path, whose innermost IN list holds the changed row's values (`§` in the template). Selectors of the
 * same shape are merged (a transaction renaming 50 categories is one selector of 50 values), and run in
 * keyset pages over the root table, so a change touching 100k roots never holds them all.
 */
export interface AffectedRoots {
  /** Root keys named by root-table events (tupleKey → key values, doc id, newest version, event). */
  readonly keys: Map<string, { key: unknown[]; id: string; version: bigint; event: ChangeEvent }>;
  readonly selectors: Map<string, Selector>;
  /** Related rows deleted (or re-keyed) where a foreign key cascades silently: found through the index. */
  readonly lookups: Lookup[];
  /** A related table was truncated: every root is rebuilt. */
  all: { version: bigint; event: ChangeEvent } | undefined;
  /** TRUNCATE of the root table itself (a versioned truncate of the index). */
  readonly truncates: ChangeEvent[];
}

export interface Selector {
  /** A condition on the root table aliased `r`; `§` stands for the IN list of `tuples`. */
  readonly template: string;
  readonly width: number;
  readonly tuples: Map<string, unknown[]>;
  version: bigint;
  event: ChangeEvent;
}

export interface Lookup {
  readonly node: RelationNode;
  readonly key: unknown[];
  readonly version: bigint;
  readonly event: ChangeEvent;
}

export function emptyAffected(): AffectedRoots {
  return { keys: new Map(), selectors: new Map(), lookups: [], all: undefined, truncates: [] };
}

const cols = (alias: string, columns: readonly string[]) =>
  columns.length === 1
    ? `${alias}.${quote(columns[0]!)}`
    : `(${columns.map((c) => `${alias}.${quote(c)}`).join(', ')})`;
const tableOf = (t: { database: string; table: string }) => `${quote(t.database)}.${quote(t.table)}`;

const valuesOf = (row: Row, columns: readonly string[]) => columns.map((c) => row[c]);
const hasNull = (values: readonly unknown[]) => values.some((v) => v === null || v === undefined);

export class AffectedRootsCollector {
  constructor(private readonly tree: RelationTree) {}

  /** Tables whose events matter to this mapping, as `database.table`. */
  tables(): Set<string> {
    const t = new Set([`${this.tree.root.database}.${this.tree.root.table}`]);
    for (const n of this.tree.nodes) {
      t.add(`${n.database}.${n.table}`);
      if (n.through) t.add(`${n.through.database}.${n.through.table}`);
    }
    return t;
  }

  add(into: AffectedRoots, ev: ChangeEvent): void {
    const { database, table } = ev.source;
    const version = ev.source.position.version;
    const root = this.tree.root;
    if (database === root.database && table === root.table) {
      if (ev.op === 't') into.truncates.push(ev);
      for (const image of [ev.before, ev.after, ev.op === 'd' && !ev.before ? ev.key : null]) {
        if (!image || !root.keyColumns.every((k) => k in image)) continue;
        const key = valuesOf(image, root.keyColumns);
        this.addKey(into, key, root.idOf(image), version, ev);
      }
      // the root table can also be related to itself (a category embedding its parent): go on below
    }
    // a snapshot of a related table: the roots' own snapshot reads their related rows
    if (ev.source.snapshot || ev.op === 'r') return;
    for (const node of this.tree.nodes) {
      const isTarget = node.database === database && node.table === table;
      const isThrough = node.through?.database === database && node.through?.table === table;
      if (!isTarget && !isThrough) continue;
      if (ev.op === 't') {
        if (!into.all || into.all.version < version) into.all = { version, event: ev };
        continue;
      }
      if (ev.op === 'u' && ev.before && ev.after && !this.matters(node, isThrough, ev.before, ev.after))
        continue;
      for (const image of [ev.before ?? (ev.op === 'd' ? ev.key : null), ev.after]) {
        if (!image) continue;
        if (isThrough) {
          this.climb(
            into,
            node,
            `${cols('§p', node.parentColumns)} IN §`,
            valuesOf(image, node.linkColumns),
            version,
            ev,
          );
        } else if (node.through) {
          const j = node.through;
          const inner = `${cols('§p', node.parentColumns)} IN (SELECT ${node.linkColumns.map((c) => `§j.${quote(c)}`).join(', ')} FROM ${tableOf(j)} AS §j WHERE ${cols('§j', j.toColumns)} IN §)`;
          this.climb(into, node, inner, valuesOf(image, j.targetColumns), version, ev);
        } else {
          this.climb(
            into,
            node,
            `${cols('§p', node.parentColumns)} IN §`,
            valuesOf(image, node.linkColumns),
            version,
            ev,
          );
        }
      }
      // the row as it was, or only its key (a polling tombstone, an outbox delete)
      const was = ev.before ?? (ev.op === 'd' ? ev.key : null);
      if (isTarget && was && this.tree.cascadeSources.has(`${database}.${table}`)) {
        const before = valuesOf(was, node.keyColumns);
        const after = ev.after ? valuesOf(ev.after, node.keyColumns) : undefined;
        if (!hasNull(before) && (!after || tupleKey(after) !== tupleKey(before)))
          into.lookups.push({ node, key: before, version, event: ev });
      } else if (isTarget && (ev.op === 'u' || ev.op === 'd') && this.movable(node, ev.before)) {
        // polling and the outbox give no before image: a child row whose link may have moved (or is
        // gone) is still embedded in its old roots, which only the index knows
        const key = [ev.before, ev.key, ev.after]
          .filter((i): i is Row => !!i && node.keyColumns.every((k) => k in i))
          .map((i) => valuesOf(i, node.keyColumns))[0];
        if (key && !hasNull(key)) into.lookups.push({ node, key, version, event: ev });
      }
    }
  }

  /**
   * The event does not say where the row was linked before (no before image, or one without the link
   * columns) and its link columns are not part of its key, so it may have left roots that still embed it.
   */
  private movable(node: RelationNode, before: Row | null): boolean {
    if (node.linkColumns.every((c) => node.keyColumns.includes(c))) return false;
    return !before || !node.linkColumns.every((c) => c in before);
  }

  /** An update that changes none of the columns the documents use (nor the links) rebuilds nothing. */
  private matters(node: RelationNode, isThrough: boolean, before: Row, after: Row): boolean {
    const used = isThrough
      ? [...node.linkColumns, ...node.through!.toColumns]
      : node.mapping.config.include
        ? [
            ...node.mapping.config.include,
            ...node.linkColumns,
            ...(node.through?.targetColumns ?? []),
            ...node.children.flatMap((c) => c.parentColumns),
          ]
        : Object.keys(after);
    return used.some((c) => tupleKey([before[c]]) !== tupleKey([after[c]]));
  }

  private addKey(into: AffectedRoots, key: unknown[], id: string, version: bigint, ev: ChangeEvent): void {
    const k = tupleKey(key);
    const had = into.keys.get(k);
    if (!had || had.version < version) into.keys.set(k, { key, id, version, event: ev });
  }

  /**
   * `condition` is on the rows of node's parent (alias `§p`), with its IN list of `values`; it is
   * wrapped level by level up to the root (alias `r`). Aliases get their depth so nested ones differ.
   */
  private climb(
    into: AffectedRoots,
    node: RelationNode,
    condition: string,
    values: unknown[],
    version: bigint,
    ev: ChangeEvent,
  ): void {
    if (hasNull(values)) return;
    let text = condition;
    let depth = 0;
    for (let p = node.parent; p; p = p.parent) {
      depth += 1;
      const here = text.replaceAll('§p', `s${depth}`).replaceAll('§j', `j${depth}`);
      const sub = p.through
        ? `SELECT ${p.linkColumns.map((c) => `§j.${quote(c)}`).join(', ')} FROM ${tableOf(p.through)} AS §j WHERE ${cols('§j', p.through.toColumns)} IN (SELECT ${p.through.targetColumns.map((c) => `s${depth}.${quote(c)}`).join(', ')} FROM ${tableOf(p)} AS s${depth} WHERE ${here})`
        : `SELECT ${p.linkColumns.map((c) => `s${depth}.${quote(c)}`).join(', ')} FROM ${tableOf(p)} AS s${depth} WHERE ${here}`;
      text = `${cols('§p', p.parentColumns)} IN (${sub.replaceAll('§j', `k${depth}`)})`;
    }
    const rootKey = this.tree.root.keyColumns;
    // the parent is the root, its columns are the root's key and the values are known: name the root
    if (!node.parent && !condition.includes('SELECT') && sameSet(node.parentColumns, rootKey)) {
      const key = rootKey.map((k) => values[node.parentColumns.indexOf(k)]);
      const row = Object.fromEntries(rootKey.map((k, i) => [k, key[i]]));
      this.addKey(into, key, this.tree.root.idOf(row), version, ev);
      return;
    }
    const template = text.replaceAll('§p', 'r').replaceAll('§j', 'j0');
    let s = into.selectors.get(template);
    if (!s) {
      s = { template, width: values.length, tuples: new Map(), version, event: ev };
      into.selectors.set(template, s);
    }
    s.tuples.set(tupleKey(values), values);
    if (s.version < version) {
      s.version = version;
      s.event = ev;
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** `§` of a selector template replaced by the IN list of `count` tuples of `width` values. */
export function renderSelector(template: string, width: number, count: number): string {
  const one = width === 1 ? '?' : `(${Array(width).fill('?').join(', ')})`;
  // the § of the IN list is the only one left once the aliases are named
  return template.replace('§', `(${Array(count).fill(one).join(', ')})`);
}
