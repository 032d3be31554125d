import { fieldType } from '../field-types.js';
import type { RelationNode } from './relation-tree.js';

/**
 * The query finding the documents that embed the related row with key `key` at `node.path` (embedded
 * objects always carry their key columns for this). Text keys are matched on their `.keyword` subfield
 * (the dynamic template's), the rest on the field; each `nested` level on the way wraps the query.
 */
export function embeddedKeyQuery(node: RelationNode, key: readonly unknown[]): Record<string, unknown> {
  return embeddedKeysQuery(node, [key]);
}

/** The documents embedding any of the related rows with these keys at `node.path` (one query). */
export function embeddedKeysQuery(
  node: RelationNode,
  keys: ReadonlyArray<readonly unknown[]>,
): Record<string, unknown> {
  const one = (key: readonly unknown[]) => ({ bool: { filter: keyFilter(node, key) } });
  let query: Record<string, unknown> =
    keys.length === 1 ? one(keys[0]!) : { bool: { should: keys.map(one), minimum_should_match: 1 } };
  for (let n: RelationNode | undefined = node; n; n = n.parent)
    if (n.nested) query = { nested: { path: n.path, query } };
  return query;
}

function keyFilter(node: RelationNode, key: readonly unknown[]): Array<Record<string, unknown>> {
  const columns = node.mapping.columns.columns;
  return node.keyColumns.map((k, i) => {
    const col = columns.find((c) => c.name === k);
    const exact = col && fieldType(col, node.mapping.config) !== undefined;
    const value = key[i];
    const v = Buffer.isBuffer(value)
      ? value.toString('base64')
      : value instanceof Date
        ? value.toISOString()
        : value;
    return { term: { [`${node.path}.${k}${exact ? '' : '.keyword'}`]: v } };
  });
}
