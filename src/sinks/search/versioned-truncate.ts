import type { Logger } from 'pino';
import type { ChangeEvent } from '../../core/change-event.js';
import { isSynclineError } from '../../core/errors.js';
import {
  classifyItems,
  classifyStatus,
  classifyTransportError,
  type RequestVerdict,
} from './bulk-response.js';
import type { SearchClient } from './client.js';
import type { EngineProfile } from './engine-compat.js';
import { mayBeBelow, scanIndex } from './index-scan.js';
import { bulkBodyBytes, type EncodedOp, encodeOp } from './request-builder.js';

export interface TruncateRequest {
  readonly client: SearchClient;
  readonly profile: EngineProfile;
  readonly index: string;
  /** The TRUNCATE's own version: documents below it are removed, documents at or above it are kept. */
  readonly version: bigint;
  readonly event: ChangeEvent;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Documents per scan page, and so per `_bulk` of deletes. */
  readonly pageSize?: number;
  /** Minimum time between two progress lines of a long truncate. */
  readonly progressEveryMs?: number;
}

export interface TruncateOutcome {
  /** `items`: done; `retry`: run it again after a backoff (it is idempotent); `split`: refused for good. */
  readonly verdict: RequestVerdict;
  readonly deleted: number;
  /** Documents written after the TRUNCATE (a higher version), left in place. */
  readonly kept: number;
}

/**
 * One attempt at a TRUNCATE of `index`: refresh (a scan sees only refreshed documents), page through the
 * documents, and delete each one with `version_type=external` at the TRUNCATE's version. The engine
 * refuses (409) the delete of a document written after the TRUNCATE, so a TRUNCATE replayed after a
 * restart never removes newer rows; the documents it does delete leave tombstones at its version, which
 * refuse a replayed older insert. Only `_search`, scroll and `_bulk` are used: they are core on every
 * supported engine, whereas `_delete_by_query` is a module an Elasticsearch built from Maven Central lacks.
 * A missing index counts as truncated.
 */
export async function truncateBelowVersion(r: TruncateRequest): Promise<TruncateOutcome> {
  let deleted = 0;
  let kept = 0;
  const result = (verdict: RequestVerdict): TruncateOutcome => ({ verdict, deleted, kept });
  try {
    const refreshed = await r.client.request('POST', r.profile.refreshPath(r.index), undefined, {
      signal: r.signal,
    });
    if (refreshed.status === 404) return result({ kind: 'items' });
    const v = classifyStatus(refreshed.status, refreshed.body);
    if (v.kind !== 'items') return result(v);

    let total = 0;
    const progressEveryMs = r.progressEveryMs ?? 10_000;
    let lastProgress = performance.now();
    const pages = scanIndex(r.client, r.index, {
      pageSize: r.pageSize ?? 1000,
      signal: r.signal,
      onTotal: (n) => {
        total = n;
      },
    });
    for await (const page of pages) {
      const encoded: EncodedOp[] = [];
      for (const doc of page) {
        if (!mayBeBelow(doc, r.version)) {
          kept++;
          continue;
        }
        encoded.push(
          encodeOp({
            action: 'delete',
            index: r.index,
            id: doc.id,
            version: r.version,
            ...(doc.routing !== undefined && { routing: doc.routing }),
            event: r.event,
          }),
        );
      }
      if (encoded.length > 0) {
        const pageVerdict = await deletePage(r, encoded);
        deleted += pageVerdict.deleted;
        kept += pageVerdict.kept;
        if (pageVerdict.verdict.kind !== 'items') return result(pageVerdict.verdict);
      }
      if (performance.now() - lastProgress >= progressEveryMs) {
        lastProgress = performance.now();
        r.log.info(
          { index: r.index, deleted, kept, total },
          `truncate of ${r.index}: ${deleted + kept} of ${total}`,
        );
      }
    }
    // Searches stop seeing the removed documents now rather than at the next refresh interval.
    if (deleted > 0)
      await r.client
        .request('POST', r.profile.refreshPath(r.index), undefined, { signal: r.signal })
        .catch(() => undefined);
    return result({ kind: 'items' });
  } catch (e) {
    if (isSynclineError(e) && typeof e.details?.status === 'number')
      return result(classifyStatus(e.details.status, e.details.body));
    return result(classifyTransportError(e));
  }
}

/** One `_bulk` of versioned deletes. 409 = written after the TRUNCATE, kept; 404 = already gone. */
async function deletePage(
  r: TruncateRequest,
  encoded: EncodedOp[],
): Promise<{ verdict: RequestVerdict; deleted: number; kept: number }> {
  const res = await r.client.request(
    'POST',
    `/_bulk${r.profile.bulkQuery('false')}`,
    bulkBodyBytes(encoded),
    {
      contentType: r.profile.bulkContentType,
      signal: r.signal,
    },
  );
  const status = classifyStatus(res.status, res.body);
  if (status.kind !== 'items') return { verdict: status, deleted: 0, kept: 0 };
  const verdicts = classifyItems(
    encoded.map((e) => e.action),
    res.body,
  );
  if (!verdicts)
    return { verdict: { kind: 'retry', reason: 'malformed _bulk response' }, deleted: 0, kept: 0 };
  let deleted = 0;
  let kept = 0;
  let verdict: RequestVerdict = { kind: 'items' };
  for (const v of verdicts) {
    if (v.kind === 'ok') deleted++;
    else if (v.kind === 'stale') kept++;
    else if (v.kind === 'retry' && verdict.kind === 'items') verdict = { kind: 'retry', reason: v.reason };
    else if (v.kind === 'dead') verdict = { kind: 'split', reason: 'delete refused', error: v.error };
  }
  return { verdict, deleted, kept };
}
