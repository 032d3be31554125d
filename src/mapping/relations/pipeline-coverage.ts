import { tableMatcher } from '../../config/table-patterns.js';
import { SynclineError } from '../../core/errors.js';
import type { RelationRebuilder } from './rebuilder.js';

interface PipelineTables {
  readonly name: string;
  readonly source: { readonly type: string; readonly tables?: readonly string[] };
}

/** Sources whose `tables` list what they read: each must read the related tables of a root it reads. */
const LISTING = new Set(['mysql-binlog', 'polling', 'outbox', 'kafka']);

/**
 * A pipeline that captures (binlog), polls, relays (outbox) or consumes (Kafka, when it lists tables) the
 * root table of built documents must do so for their related and join tables too: their changes are
 * what rebuilds the documents. A missing one would leave documents stale without a sign, so start-up
 * stops and names it.
 */
export function checkRelationCoverage(
  pipelines: readonly PipelineTables[],
  rebuilders: readonly RelationRebuilder[],
): void {
  for (const p of pipelines) {
    if (!LISTING.has(p.source.type) || !p.source.tables) continue;
    const match = tableMatcher(p.source.tables);
    for (const r of rebuilders) {
      const root = r.tree.root;
      if (!match(root.database, root.table)) continue;
      for (const t of r.collector.tables()) {
        const [database, table] = [t.slice(0, t.indexOf('.')), t.slice(t.indexOf('.') + 1)];
        if (match(database, table)) continue;
        throw new SynclineError(
          'RELATION_MISMATCH',
          `pipelines[${p.name}].source.tables: reads ${root.database}.${root.table}, whose documents embed rows of ${t} (mappings[${root.database}.${root.table}].relations), but not ${t}: add "${t}" (or "${database}.*")`,
        );
      }
    }
  }
}
