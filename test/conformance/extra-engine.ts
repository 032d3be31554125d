import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { EXTRA_ENGINE_PORTS, startSearchEngine } from '../../src/stack/engine-instances.js';

type ExtraEngine = keyof typeof EXTRA_ENGINE_PORTS;

/**
 * For a conformance project of vitest.config.ts (named after its engine), starts that engine on its spare
 * port (9201–9203, data under <dataDir>/engines) in the background and returns the teardown; undefined for
 * any other project. Vitest runs every project's global setup one after the other before the first test, so
 * a blocking start would add the three JVM starts up; the suite waits for its engine instead
 * (engine.ts#engineReady). The teardown stops the node only when this run started it.
 */
export function startConformanceEngine(
  project: TestProject,
  dataDir: string,
): (() => Promise<void>) | undefined {
  const name = project.name;
  if (!Object.hasOwn(EXTRA_ENGINE_PORTS, name)) return undefined;
  // a failed start is written where the suite's engineReady() looks, so it fails at once with the reason
  const marker = startErrorFile(dataDir, name);
  rmSync(marker, { force: true });
  const t0 = Date.now();
  const starting = startSearchEngine(name as ExtraEngine, { dataDir }).then(
    (i) => {
      console.log(`[stack] ${name}: ${i.outcome} on ${i.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return i;
    },
    (e: unknown) => {
      console.error(`[stack] ${name} did not start: ${(e as Error).message}`);
      mkdirSync(path.dirname(marker), { recursive: true });
      writeFileSync(marker, (e as Error).message);
      return undefined;
    },
  );
  return async () => {
    const instance = await starting;
    if (instance?.outcome === 'started' && process.env.SYNCLINE_KEEP_STACK !== '1') await instance.stop();
  };
}

/** Where a failed start of `engine` is reported to the suite (engine.ts#engineReady). */
export function startErrorFile(dataDir: string, engine: string): string {
  return path.resolve(dataDir, 'engines', `${engine}.start-error`);
}
