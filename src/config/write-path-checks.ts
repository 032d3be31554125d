import type { SynclineConfig } from './schema.js';
import { tableMatcher } from './table-patterns.js';

const CATALOG_TABLES = ['products', 'categories', 'users'] as const;

/**
 * Cross-key rules of the write paths (docs/outbox.md, docs/dual-write.md) that a schema cannot say:
 * - a catalog table in a mode other than cdc needs a mapping (its index);
 * - a mapped table must not be fed both by an outbox and by a binlog pipeline (or by two outboxes):
 *   outbox versions (outbox ids) and binlog versions (GTID sequence numbers) are not comparable, so
 *   one source's writes could be refused as stale, or overwrite newer ones, in the shared index.
 * Returns one message per problem, naming the keys to change.
 */
export function writePathProblems(config: SynclineConfig): string[] {
  const problems: string[] = [];
  const modes = config.api.writeModes;
  const nonCdc = CATALOG_TABLES.filter((t) => modes[t] !== 'cdc');
  let database: string | undefined;
  try {
    database = decodeURIComponent(new URL(config.mysql.url).pathname.replace(/^\//, '')) || undefined;
  } catch {
    database = undefined;
  }
  if (nonCdc.length > 0 && database === undefined) {
    problems.push(
      `api.writeModes: ${nonCdc.join(', ')} use ${nonCdc.map((t) => modes[t]).join(', ')}, but mysql.url names no database`,
    );
    return problems;
  }
  const mapped = new Set(config.mappings.map((m) => m.table.toLowerCase()));
  for (const t of nonCdc) {
    if (!mapped.has(`${database}.${t}`.toLowerCase())) {
      problems.push(
        `api.writeModes.${t}: ${modes[t]} writes the index itself, but mappings[] has no entry for ${database}.${t}`,
      );
    }
  }

  // who feeds each mapped table: binlog pipelines and outboxes
  const feeders: Array<{
    kind: 'binlog' | 'outbox';
    what: string;
    outbox?: string;
    matches: (d: string, t: string) => boolean;
  }> = [];
  for (const p of config.pipelines) {
    const s = p.source as { type: string; tables?: string[]; outboxTable?: string };
    if (s.type === 'mysql-binlog' && s.tables) {
      feeders.push({ kind: 'binlog', what: `binlog pipeline ${p.name}`, matches: tableMatcher(s.tables) });
    } else if (s.type === 'outbox' && s.tables && s.outboxTable) {
      feeders.push({
        kind: 'outbox',
        what: `outbox pipeline ${p.name}`,
        outbox: s.outboxTable.toLowerCase(),
        matches: tableMatcher(s.tables),
      });
    }
  }
  const outboxModes = CATALOG_TABLES.filter((t) => modes[t] === 'outbox');
  if (outboxModes.length > 0 && database !== undefined) {
    const outbox = config.api.outbox.table.includes('.')
      ? config.api.outbox.table
      : `${database}.${config.api.outbox.table}`;
    const names = new Set(outboxModes.map((t) => `${database}.${t}`.toLowerCase()));
    feeders.push({
      kind: 'outbox',
      what: `api.writeModes (${outboxModes.join(', ')}: outbox)`,
      outbox: outbox.toLowerCase(),
      matches: (d, t) => names.has(`${d}.${t}`.toLowerCase()),
    });
  }
  config.mappings.forEach((m, i) => {
    const [d, t] = m.table.split('.') as [string, string];
    const fed = feeders.filter((f) => f.matches(d, t));
    const outboxes = new Set(fed.filter((f) => f.kind === 'outbox').map((f) => f.outbox));
    const binlog = fed.filter((f) => f.kind === 'binlog');
    if (outboxes.size > 0 && binlog.length > 0) {
      problems.push(
        `mappings[${i}] (${m.table} → ${m.index}): fed by ${fed.find((f) => f.kind === 'outbox')!.what} and by ${binlog[0]!.what}; outbox and binlog versions are not comparable — remove ${m.table} from that pipeline's source.tables, or keep the table in cdc mode`,
      );
    } else if (outboxes.size > 1) {
      problems.push(
        `mappings[${i}] (${m.table} → ${m.index}): fed by two outbox tables (${[...outboxes].join(', ')}); their ids are not comparable — ship the table through one outbox`,
      );
    }
  });
  return problems;
}
