import type { DeadLetterKind } from '../../core/interfaces.js';
import type { BulkAction } from './request-builder.js';

/**
 * Classification of `_bulk` results: partial failure is data. Every item ends in one of four outcomes,
 * and a whole request that failed says what to do with all of its items.
 */
export type ItemVerdict =
  | { readonly kind: 'ok' }
  /** The index already holds this or a newer version: the write was applied before (replay, reorder). */
  | { readonly kind: 'stale' }
  /** Transient: send the item again after a backoff. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** Permanent for this document: store it as a dead letter. */
  | {
      readonly kind: 'dead';
      readonly deadKind: Extract<DeadLetterKind, 'mapping' | 'rejected'>;
      readonly error: string;
    };

export interface BulkItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}

export interface BulkItemResult {
  status: number;
  error?: BulkItemError | string;
  result?: string;
}

const OK: ItemVerdict = { kind: 'ok' };
const STALE: ItemVerdict = { kind: 'stale' };

/**
 * Errors that are about the document against the index mapping: fixing the mapping (or the document)
 * and replaying is the cure. `document_parsing_exception` is ES 8.8+'s name for a parse failure.
 */
const MAPPING_ERRORS = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
  'illegal_argument_exception',
  'mapper_exception',
  'json_parse_exception',
  'x_content_parse_exception',
  'parse_exception',
  'number_format_exception',
]);

/**
 * 4xx types that are a state of the cluster, not of the document: they clear by themselves or by an
 * operator's action (write block, flood-stage disk block, closed index), so the item waits and retries
 * rather than filling the dead-letter store with good documents.
 */
const TRANSIENT_4XX = new Set([
  'cluster_block_exception',
  'index_closed_exception',
  'es_rejected_execution_exception',
]);

function reasonOf(error: BulkItemResult['error']): string {
  return typeof error === 'object' && error !== null ? (error.reason ?? '') : '';
}

export function errorType(error: BulkItemResult['error']): string {
  if (error === undefined) return 'unknown';
  if (typeof error === 'string') return error;
  return error.type ?? 'unknown';
}

/** "type: reason (caused by type: reason)" — what goes into the dead-letter entry and the logs. */
export function describeError(status: number, error: BulkItemResult['error']): string {
  if (error === undefined) return `HTTP ${status}`;
  if (typeof error === 'string') return `${status} ${error}`;
  let s = `${status} ${error.type ?? 'unknown'}: ${error.reason ?? ''}`.trimEnd();
  if (error.caused_by?.type) s += ` (caused by ${error.caused_by.type}: ${error.caused_by.reason ?? ''})`;
  return s;
}

export function classifyItem(action: BulkAction, item: BulkItemResult): ItemVerdict {
  const { status } = item;
  if (status >= 200 && status < 300) return OK;
  const type = errorType(item.error);
  if (status === 409 && type === 'version_conflict_engine_exception') return STALE;
  // Deleting what is not there leaves the index as wanted (and records the versioned tombstone).
  if (action === 'delete' && status === 404) return OK;
  if (status === 429 || status >= 500 || status === 408)
    return { kind: 'retry', reason: `${status} ${type}` };
  if (TRANSIENT_4XX.has(type)) return { kind: 'retry', reason: `${status} ${type}` };
  // Writes go to an alias. Just after an engine restart, before its cluster state has recovered the alias,
  // a write tries to auto-create an index of that name and is refused this way: the alias comes back by
  // itself (found by the chaos suite, docs/ha.md: 51 good documents dead-lettered after a restart).
  if (type === 'invalid_index_name_exception' && /already exists as alias/.test(reasonOf(item.error)))
    return { kind: 'retry', reason: `${status} ${type} (alias not recovered yet)` };
  if (status === 409) return { kind: 'retry', reason: `${status} ${type}` };
  return {
    kind: 'dead',
    deadKind: MAPPING_ERRORS.has(type) ? 'mapping' : 'rejected',
    error: describeError(status, item.error),
  };
}

/** What to do with every item of a request that failed as a whole. */
export type RequestVerdict =
  | { readonly kind: 'items' }
  /** Transient (429, 5xx, timeout, connection reset/refused, cluster block, auth): retry all items. */
  | { readonly kind: 'retry'; readonly reason: string }
  /**
   * The request as a whole was refused (413 too large, other 4xx): split it in two and retry the
   * halves; a single item refused this way is dead-lettered with `error`.
   */
  | { readonly kind: 'split'; readonly reason: string; readonly error: string };

/** Classifies an HTTP status of a whole `_bulk` request (body: parsed JSON or text). */
export function classifyStatus(status: number, body: unknown): RequestVerdict {
  if (status >= 200 && status < 300) return { kind: 'items' };
  const err = (body as { error?: BulkItemError | string } | null)?.error;
  const type = errorType(err);
  if (status === 413) {
    return {
      kind: 'split',
      reason: '413 request entity too large',
      error: describeError(status, err ?? 'request entity too large'),
    };
  }
  // 401/403/404 of the whole request are credentials, blocks or a wrong URL prefix: an operator fixes them;
  // dropping or dead-lettering every document would be wrong.
  if (
    status === 429 ||
    status >= 500 ||
    status === 408 ||
    status === 401 ||
    status === 403 ||
    status === 404
  ) {
    return { kind: 'retry', reason: `HTTP ${status} ${type}` };
  }
  if (TRANSIENT_4XX.has(type)) return { kind: 'retry', reason: `HTTP ${status} ${type}` };
  return { kind: 'split', reason: `HTTP ${status} ${type}`, error: describeError(status, err) };
}

/** Transport failures (no HTTP answer) are always transient. */
export function classifyTransportError(e: unknown): RequestVerdict {
  const err = e as { code?: string; name?: string; message?: string };
  return { kind: 'retry', reason: err.code ?? err.name ?? err.message ?? 'transport error' };
}

export interface BulkResponseBody {
  errors?: boolean;
  items?: Array<Record<string, BulkItemResult>>;
}

/**
 * Per-item verdicts of a 2xx `_bulk` response; undefined when the body does not line up with the request
 * (then the caller treats it as a transient whole-request failure).
 */
export function classifyItems(actions: readonly BulkAction[], body: unknown): ItemVerdict[] | undefined {
  const b = body as BulkResponseBody | null;
  if (b === null || typeof b !== 'object') return undefined;
  if (b.errors === false && b.items === undefined) return actions.map(() => OK);
  const items = b.items;
  if (!Array.isArray(items) || items.length !== actions.length) return undefined;
  const out: ItemVerdict[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const wrapper = items[i];
    const action = actions[i]!;
    const item = wrapper?.[action] ?? (wrapper ? Object.values(wrapper)[0] : undefined);
    if (!item || typeof item.status !== 'number') return undefined;
    out[i] = classifyItem(action, item);
  }
  return out;
}
