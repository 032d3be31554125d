/**
 * The `db.table` pattern syntax of the config's `tables` keys (`*` matches within one name part), here
 * so the config's own cross-key checks and every source read the patterns the same way.
 */
export function tableMatcher(patterns: readonly string[]): (database: string, table: string) => boolean {
  const res = patterns.map((p) => {
    const esc = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*');
    return new RegExp(`^${esc}$`);
  });
  return (database, table) => res.some((r) => r.test(`${database}.${table}`));
}
