import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Unit tests first, the suite that restarts MariaDB and purges binlogs last. */
class DisruptionLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) =>
      f.moduleId.includes('server-disruption') ? 2 : f.moduleId.includes('/test/unit/') ? 0 : 1;
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// The binlog suites alone, against MariaDB only (OpenSearch and Kafka are not started):
//   SYNCLINE_KEEP_STACK=1 npx vitest run -c test/integration/binlog-streaming/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('../../..', import.meta.url).pathname,
    include: ['test/unit/binlog/**/*.test.ts', 'test/integration/binlog-streaming/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/integration/binlog-streaming/mariadb-only.setup.ts'],
    sequence: { sequencer: DisruptionLast },
    reporters: ['default'],
  },
});
