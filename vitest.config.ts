import { defineConfig } from 'vitest/config';

// Integration tests share one real stack (MariaDB, OpenSearch, Kafka), so files run one at a time;
// each test owns its own database/index names.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
