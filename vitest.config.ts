import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests share one real stack (MariaDB, OpenSearch, Kafka), so files run one at a time;
// each test owns its own database/index names. The files of a project share one worker process
// (isolate: false): a fresh process and module graph per file cost ~1.4 s each, 250 s of the run.
// So a file must leave nothing behind: close its pools, servers and pipelines in afterAll, and put
// back any process.env it changes.
const shared = {
  fileParallelism: false,
  isolate: false,
  testTimeout: 120_000,
  hookTimeout: 300_000,
  globalSetup: ['test/global-setup.ts'],
};

// The source-server matrix: these suites run twice, against MariaDB 10.11 (project "mariadb", with
// everything else) and against MySQL 9.7 (project "mysql", SYNCLINE_TEST_SOURCE=mysql; test/helpers/stack.ts
// follows it). Files named mysql-*.test.ts need MySQL and run in the "mysql" project only; files named
// mariadb-*.test.ts test what only MariaDB has (GTID domains, its XA and grant spellings) and run in the
// "mariadb" project only — nothing is skipped at run time. One project: `vitest run --project mysql`.
const BOTH_SOURCES = [
  'test/integration/cdc/**/*.test.ts',
  'test/integration/binlog-streaming/**/*.test.ts',
  // the cheap non-binlog paths (checkpoint and dead-letter stores, outbox relay, TypeORM hooks); polling,
  // reconcile, reindex and Kafka pass on MySQL too but are left out of the project's 4-minute budget
  'test/integration/core/stores.test.ts',
  'test/integration/write-paths/outbox-commit-order.test.ts',
  'test/integration/write-paths/orm-hooks.test.ts',
  // documents built from several tables: binlog (MySQL writes the cascaded rows, MariaDB does not),
  // polling and the outbox (~50 s together on MySQL)
  'test/integration/relations/built-documents.test.ts',
  'test/integration/relations/cascades-binlog.test.ts',
  'test/integration/relations/polling-relations.test.ts',
  'test/integration/relations/outbox-relations.test.ts',
];
const MYSQL_ONLY = ['test/**/mysql-*.test.ts'];
const MARIADB_ONLY = ['test/**/mariadb-*.test.ts'];

// The search-engine matrix (issue 12): the sink conformance suite (test/conformance) runs on the shared
// OpenSearch 2.19 with everything else, and once more per other engine, each on its own port; the global
// setup starts that engine (test/conformance/extra-engine.ts). One engine: `vitest run --project elasticsearch-9`.
const OTHER_ENGINES = [
  { name: 'opensearch-3', url: 'http://127.0.0.1:9201' },
  { name: 'elasticsearch-8', url: 'http://127.0.0.1:9202' },
  { name: 'elasticsearch-9', url: 'http://127.0.0.1:9203' },
];

export default defineConfig({
  test: {
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'mariadb',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...MYSQL_ONLY],
        },
      },
      {
        test: {
          ...shared,
          name: 'mysql',
          include: [...BOTH_SOURCES, ...MYSQL_ONLY],
          exclude: [...configDefaults.exclude, ...MARIADB_ONLY],
          env: { SYNCLINE_TEST_SOURCE: 'mysql' },
          sequence: { groupOrder: 1 }, // after the whole "mariadb" project
        },
      },
      ...OTHER_ENGINES.map((e) => ({
        test: {
          ...shared,
          name: e.name,
          include: ['test/conformance/**/*.test.ts'],
          env: { SYNCLINE_CONFORMANCE_ENGINE: e.name, SYNCLINE_SEARCH_URL: e.url },
          sequence: { groupOrder: 2 },
        },
      })),
    ],
  },
});
