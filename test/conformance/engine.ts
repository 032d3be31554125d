import { SEARCH_URL } from '../helpers/stack.js';

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
