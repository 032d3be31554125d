/**
 * The demo profile (`demo: true`): what `./syncline run` syncs on the embedded stack when no config names
 * servers, mappings or pipelines. A config with its own servers, mappings or pipelines gets none of it.
 */
export const DEMO_DATABASE = 'syncline_demo';

export const DEMO_TABLES = ['products', 'users', 'categories'].map((t) => `${DEMO_DATABASE}.${t}`);

/** Tables the product documents embed rows of, captured with the mapped ones. */
export const DEMO_RELATED_TABLES = ['tags', 'product_tags'].map((t) => `${DEMO_DATABASE}.${t}`);

/**
 * A product document embeds its category `{id, name, slug, path, parent}` — `path` is the names from the
 * top category down, `数码 Digital > 手机 Phones`, through up to two parent levels — (a rename of the
 * category or of a parent reaches all its products) and its tags `tagged: [{id, name}]` through the
 * product_tags join table.
 */
export const DEMO_PRODUCT_RELATIONS = [
  {
    field: 'category',
    kind: 'many-to-one',
    table: 'categories',
    on: { category_id: 'id' },
    include: ['name', 'slug'],
    text: { name: { language: 'zh' } },
    path: { column: 'name', via: 'parent' },
    relations: [
      {
        field: 'parent',
        kind: 'many-to-one',
        table: 'categories',
        on: { parent_id: 'id' },
        include: ['name'],
        relations: [
          {
            field: 'parent',
            kind: 'many-to-one',
            table: 'categories',
            on: { parent_id: 'id' },
            include: ['name'],
          },
        ],
      },
    ],
  },
  {
    field: 'tagged',
    kind: 'many-to-many',
    table: 'tags',
    on: { id: 'product_id' },
    through: { table: 'product_tags', to: { tag_id: 'id' } },
    include: ['name'],
  },
] as const;

/** Product name and description are Chinese text: enriched for the catalog search (docs/mapping.md#chinese-text). */
export const DEMO_PRODUCT_TEXT = { name: { language: 'zh' }, description: { language: 'zh' } } as const;

export function demoMappings(): Array<{
  table: string;
  index: string;
  relations?: unknown[];
  text?: Record<string, { language: 'zh' }>;
}> {
  return DEMO_TABLES.map((table) => ({
    table,
    index: table.split('.')[1]!,
    ...(table === `${DEMO_DATABASE}.products` && {
      relations: structuredClone([...DEMO_PRODUCT_RELATIONS]),
      text: structuredClone(DEMO_PRODUCT_TEXT),
    }),
  }));
}

export function demoPipelines(): Array<{ name: string; source: { type: 'mysql-binlog'; tables: string[] } }> {
  return [
    { name: 'catalog', source: { type: 'mysql-binlog', tables: [...DEMO_TABLES, ...DEMO_RELATED_TABLES] } },
  ];
}
