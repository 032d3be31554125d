/**
 * The demo profile (`demo: true`): what `./syncline run` syncs on the embedded stack when no config names
 * servers, mappings or pipelines. A config with its own servers, mappings or pipelines gets none of it.
 */
export const DEMO_DATABASE = 'syncline_demo';

export const DEMO_TABLES = ['products', 'users', 'categories'].map((t) => `${DEMO_DATABASE}.${t}`);

export function demoMappings(): Array<{ table: string; index: string }> {
  return DEMO_TABLES.map((table) => ({ table, index: table.split('.')[1]! }));
}

export function demoPipelines(): Array<{ name: string; source: { type: 'mysql-binlog'; tables: string[] } }> {
  return [{ name: 'catalog', source: { type: 'mysql-binlog', tables: [...DEMO_TABLES] } }];
}
