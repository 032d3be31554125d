import type { EngineInfo } from '../../sinks/search/client.js';
import { columnProperties } from '../field-types.js';
import type { RelationNode, RelationTree } from './relation-tree.js';

/** Index field mappings of the embedded rows: typed columns per level, `nested` where asked. */
export function relationProperties(tree: RelationTree, engine?: EngineInfo): Record<string, unknown> {
  const level = (nodes: readonly RelationNode[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const n of nodes) {
      out[n.field] = {
        ...(n.nested && { type: 'nested' }),
        properties: {
          ...columnProperties(n.mapping, engine),
          ...level(n.children),
          // the path string: searchable words, and an exact keyword to filter and facet on
          ...(n.pathOf && {
            [n.pathOf.field]: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 512 } } },
          }),
        },
      };
    }
    return out;
  };
  return level(tree.top);
}
