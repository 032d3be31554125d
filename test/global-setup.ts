import type { TestProject } from 'vitest/node';
import { resolveConfig } from '../src/config/load.js';
import { type ComponentName, LocalStack } from '../src/stack/stack.js';
import { startConformanceEngine } from './conformance/extra-engine.js';

/**
 * Brings up the real local stack once for the whole run (MariaDB, OpenSearch, Kafka) and stops at the
 * end only what this run started, so a developer's running stack is left alone. The vitest project "mysql"
 * (vitest.config.ts) runs its suites against MySQL 9.7 instead of MariaDB: it starts MySQL and OpenSearch.
 */
export default async function setup(project: TestProject) {
  const stack = new LocalStack(resolveConfig({}, process.env));
  const wanted: ComponentName[] =
    project.name === 'mysql' ? ['mysql', 'opensearch'] : ['mariadb', 'opensearch', 'kafka'];
  const before = await stack.status();
  // A healthy server on the port that this checkout did not start (another worktree's stack) is used as is.
  const foreign = before.filter((s) => s.state === 'foreign' && s.version !== undefined).map((s) => s.name);
  for (const name of foreign) console.warn(`[stack] ${name}: using the healthy server already on its port`);
  const toStart = wanted.filter((n) => !foreign.includes(n));
  const startedHere = toStart.filter((n) => before.find((s) => s.name === n)?.state !== 'up');
  const t0 = Date.now();
  await stack.up(toStart, {
    onProgress: (name, what, ms) => console.log(`[stack] ${name}: ${what} in ${(ms / 1000).toFixed(1)} s`),
  });
  console.log(`[stack] ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // a conformance project's own engine (opensearch-3, elasticsearch-8/9 on 9201–9203), in the background
  const engine = startConformanceEngine(project, resolveConfig({}, process.env).stack.dataDir);
  return async () => {
    await engine?.();
    if (process.env.SYNCLINE_KEEP_STACK === '1') return;
    await stack.down(startedHere.reverse());
  };
}
