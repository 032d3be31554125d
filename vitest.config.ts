import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests share one real stack (MariaDB, OpenSearch, Kafka), so files run one at a time;
// each test owns its own database/index names.
const shared = {
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 300_000,
  globalSetup: ['test/global-setup.ts'],
};

// The source-server matrix: these suites run twice, against MariaDB 10.11 (project "mariadb", with
// everything else) and against MySQL 9.7 (project "mysql", SYNCLINE_TEST_SOURCE=mysql; test/helpers/stack.ts
// follows it). A MariaDB-only test says why in the test and skips itself on MySQL. Files named
// mysql-*.test.ts need MySQL and run in the "mysql" project only. One project: `vitest run --project mysql`.
const BOTH_SOURCES = ['test/integration/cdc/**/*.test.ts', 'test/integration/binlog-streaming/**/*.test.ts'];
const MYSQL_ONLY = ['test/**/mysql-*.test.ts'];

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
          env: { SYNCLINE_TEST_SOURCE: 'mysql' },
          sequence: { groupOrder: 1 }, // after the whole "mariadb" project
        },
      },
    ],
  },
});
