import { fieldType } from '../field-types.js';
import type { TableMapping } from '../table-mapping.js';
import type { RelationNode } from './relation-tree.js';

/**
 * The documents embedding any of the related rows with these keys at `node.path` (one query) — and, for
 * a many-to-one straight from the root to the row's key, the roots whose own link columns still name it:
 * a root built from its row read before the related row's delete and the related row read after it
 * embeds nothing (null) but keeps the link that the delete's `SET NULL` changed silently. Embedded
 * objects always carry their key columns for this; text values are matched on their `.keyword` subfield
 * (the dynamic template's), the rest on the field; each `nested` level on the way wraps the query.
 */
export function embeddedKeysQuery(
  node: RelationNode,
  keys: ReadonlyArray<readonly unknown[]>,
  root?: TableMapping,
): Record<string, unknown> {
  const any = (clauses: Array<Record<string, unknown>>) =>
    clauses.length === 1 ? clauses[0]! : { bool: { should: clauses, minimum_should_match: 1 } };
  let query = any(keys.map((key) => ({ bool: { filter: keyFilter(node, key) } })));
  for (let n: RelationNode | undefined = node; n; n = n.parent)
    if (n.nested) query = { nested: { path: n.path, query } };
  const links = root && rootLinkFields(root, node);
  if (!links) return query;
  const named = keys.map((key) => ({
    bool: { filter: links.map((l) => term(l.field, l.exact, key[l.keyIndex])) },
  }));
  return any([query, ...named]);
}

function keyFilter(node: RelationNode, key: readonly unknown[]): Array<Record<string, unknown>> {
  const columns = node.mapping.columns.columns;
  return node.keyColumns.map((k, i) => {
    const col = columns.find((c) => c.name === k);
    return term(
      `${node.path}.${k}`,
      col !== undefined && fieldType(col, node.mapping.config) !== undefined,
      key[i],
    );
  });
}

/** The root's fields holding a top-level many-to-one's link to the related row's key (undefined: none). */
function rootLinkFields(
  root: TableMapping,
  node: RelationNode,
): Array<{ field: string; exact: boolean; keyIndex: number }> | undefined {
  if (node.parent || node.through || node.kind !== 'many-to-one') return undefined;
  const out: Array<{ field: string; exact: boolean; keyIndex: number }> = [];
  for (let i = 0; i < node.parentColumns.length; i++) {
    const keyIndex = node.keyColumns.indexOf(node.linkColumns[i]!);
    const field = root.fieldOf(node.parentColumns[i]!);
    const col = root.columns.columns.find((c) => c.name === node.parentColumns[i]);
    if (keyIndex < 0 || !field || !col) return undefined;
    out.push({ field, exact: fieldType(col, root.config) !== undefined, keyIndex });
  }
  return out.length === node.keyColumns.length ? out : undefined;
}

function term(field: string, exact: boolean, value: unknown): Record<string, unknown> {
  const v = Buffer.isBuffer(value)
    ? value.toString('base64')
    : value instanceof Date
      ? value.toISOString()
      : value;
  return { term: { [exact ? field : `${field}.keyword`]: v } };
}
