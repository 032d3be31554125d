import { fieldType } from '../field-types.js';
import type { RelationNode } from './relation-tree.js';

/**
 * The query finding the documents that embed the related row with key `key` at `node.path` (embedded
 * objects always carry their key columns for this). Text keys are matched on their `.keyword` subfield
 * (the dynamic template's), the rest on the field; each `nested` level on the way wraps the query.
 */
export function embeddedKeyQuery(node: RelationNode, key: readonly unknown[]): Record<string, unknown> {
  const columns = node.mapping.columns.columns;
  const filter = node.keyColumns.map((k, i) => {
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
  let query: Record<string, unknown> = { bool: { filter } };
  for (let n: RelationNode | undefined = node; n; n = n.parent)
    if (n.nested) query = { nested: { path: n.path, query } };
  return query;
}
