import type { EngineInfo, SearchClient } from './client.js';

/**
 * The request shapes the bulk sink uses, per engine. OpenSearch 1–3 and Elasticsearch 7.10–9 agree on
 * almost all of the write path; the differences that matter are kept here (and in docs/sink.md) so
 * the rest of the sink stays engine-agnostic:
 *
 * - Mapping types: never sent. ES 7.x and OpenSearch 1.x still echo `"_type":"_doc"` in bulk items (we
 *   ignore it); ES 8+/OpenSearch 2+ removed `_type` and reject it in the action line.
 * - Parse errors: recent ES 8 releases and ES 9 report `document_parsing_exception` where OpenSearch and
 *   older ES report `mapper_parsing_exception`; both are dead-lettered as kind 'mapping'.
 * - Write blocks: `index.blocks.write` answers 403 `cluster_block_exception` on every engine; the disk
 *   flood-stage block (read_only_allow_delete) answers 429 (403 before ES 7.x). Both are retried.
 * - Content type: `application/x-ndjson` works everywhere. ES 8+ vendor types (`compatible-with=7/8`)
 *   are only needed by clients asking for REST compatibility; plain JSON needs none.
 * - `filter_path` trims bulk responses on every supported engine, so the sink asks only for what it
 *   classifies (status and error per item).
 * - Detection never needs `GET /` (405 on an Elasticsearch without rest-root): see capabilities.ts, which also
 *   probes what differs beyond the write path (PIT route, `_shard_doc`, token filters) instead of comparing
 *   version strings.
 */
export interface EngineProfile {
  readonly info: EngineInfo;
  /** Content type of the `_bulk` body. */
  readonly bulkContentType: string;
  /** Query string of a `_bulk` request (leading "?"). */
  bulkQuery(refresh: 'false' | 'wait_for' | 'true'): string;
  /** Path of the refresh that makes every indexed document visible to a truncate's scan. */
  refreshPath(index: string): string;
}

/** Only what the sink classifies: the response stays small even for 1000-item bulks. */
const BULK_FILTER =
  'filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by.type,items.*.error.caused_by.reason';

export function profileFor(info: EngineInfo): EngineProfile {
  return {
    info,
    bulkContentType: 'application/x-ndjson',
    bulkQuery: (refresh) => `?${BULK_FILTER}${refresh === 'false' ? '' : `&refresh=${refresh}`}`,
    refreshPath: (index) => `/${encodeURIComponent(index)}/_refresh`,
  };
}

/**
 * Detects the engine (cached by the client; capabilities.ts#identifyEngine) and returns its profile. Rejects when
 * unreachable/unsupported.
 */
export async function detectEngine(client: SearchClient): Promise<EngineProfile> {
  return profileFor(await client.info());
}
