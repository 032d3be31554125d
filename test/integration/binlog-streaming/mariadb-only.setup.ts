import type { TestProject } from 'vitest/node';
import { resolveConfig } from '../../../src/config/load.js';
import { LocalStack } from '../../../src/stack/stack.js';

/**
 * Global setup for the binlog tests when run on their own (vitest.config.ts next to this file): they need
 * MariaDB only, so OpenSearch and Kafka are not started. Never stops the server (other suites share it).
 */
export default async function setup(_project: TestProject) {
  const stack = new LocalStack(resolveConfig({}, process.env));
  const [status] = (await stack.status()).filter((s) => s.name === 'mariadb');
  if (status?.state === 'foreign' && status.version !== undefined) return;
  await stack.up(['mariadb']);
}
