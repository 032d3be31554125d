import { existsSync, readFileSync } from 'node:fs';
import { request } from 'undici';
import { SEARCH_URL, testConfig } from '../helpers/stack.js';
import { startErrorFile } from './extra-engine.js';

/**
 * The engine one conformance run targets. A vitest project per engine sets SYNCLINE_CONFORMANCE_ENGINE
 * and SYNCLINE_SEARCH_URL (vitest.config.ts); without them the suite runs on the shared OpenSearch 2.19.
 * Expectations that differ per engine are derived from this label, never from the detection under test.
 */
export const ENGINE = (process.env.SYNCLINE_CONFORMANCE_ENGINE ?? 'opensearch-2') as
  | 'opensearch-2'
  | 'opensearch-3'
  | 'elasticsearch-8'
  | 'elasticsearch-9';

export const ENGINE_URL = process.env.SYNCLINE_SEARCH_URL ?? SEARCH_URL;

export const IS_ELASTICSEARCH = ENGINE.startsWith('elasticsearch');

/** The major version the project's engine must report. */
export const ENGINE_MAJOR = Number(ENGINE.split('-')[1]);

/**
 * Resolves once the project's engine answers healthy; the global setup starts the extra engines in the
 * background (extra-engine.ts), so every conformance file waits here first.
 */
export async function engineReady(timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failed = startErrorFile(testConfig().stack.dataDir, ENGINE);
  let last = 'no answer';
  for (;;) {
    if (existsSync(failed)) throw new Error(`${ENGINE} did not start: ${readFileSync(failed, 'utf8')}`);
    try {
      const res = await request(`${ENGINE_URL}/_cluster/health?timeout=1s`, {
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      const body = (await res.body.json()) as { status?: string };
      if (body.status === 'green' || body.status === 'yellow') return;
      last = `HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${ENGINE} at ${ENGINE_URL} not healthy after ${timeoutMs / 1000} s (${last}); see the [stack] lines of the global setup`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
