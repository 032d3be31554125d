/**
 * The `tables` patterns of a binlog pipeline: `database.table`, where `*` matches any run of characters
 * inside one part (`shop.*`, `*.orders`, `shop.order_*`). Names compare case-sensitively, as MariaDB does
 * on Linux (lower_case_table_names=0).
 */
export interface TableFilter {
  (database: string, table: string): boolean;
  /** True when some pattern can match a table of this database (for database-level DDL). */
  database(database: string): boolean;
  readonly patterns: readonly string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function compileTableFilter(patterns: readonly string[]): TableFilter {
  const compiled = patterns.map((p) => {
    const dot = p.indexOf('.');
    if (dot <= 0 || dot === p.length - 1 || p.indexOf('.', dot + 1) !== -1) {
      throw new Error(`table pattern '${p}' must look like database.table (with * wildcards)`);
    }
    return { db: globToRegExp(p.slice(0, dot)), table: globToRegExp(p.slice(dot + 1)) };
  });
  const fn = ((database: string, table: string) =>
    compiled.some((c) => c.db.test(database) && c.table.test(table))) as TableFilter;
  fn.database = (database: string) => compiled.some((c) => c.db.test(database));
  Object.defineProperty(fn, 'patterns', { value: [...patterns] });
  return fn;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}
