import { describe, expect, it } from 'vitest';
import {
  classifyItem,
  classifyItems,
  classifyStatus,
  classifyTransportError,
  type ItemVerdict,
} from '../../../src/sinks/search/bulk-response.js';
import type { BulkAction } from '../../../src/sinks/search/request-builder.js';

const err = (type: string, reason = 'r') => ({ type, reason });

describe('bulk item classification', () => {
  const table: Array<[BulkAction, number, string | undefined, ItemVerdict['kind'], string?]> = [
    ['index', 200, undefined, 'ok'],
    ['index', 201, undefined, 'ok'],
    ['delete', 200, undefined, 'ok'],
    ['delete', 404, undefined, 'ok'], // not_found: already gone
    ['index', 409, 'version_conflict_engine_exception', 'stale'],
    ['delete', 409, 'version_conflict_engine_exception', 'stale'],
    ['index', 429, 'es_rejected_execution_exception', 'retry'],
    ['index', 429, 'circuit_breaking_exception', 'retry'],
    ['index', 500, 'exception', 'retry'],
    ['index', 503, 'unavailable_shards_exception', 'retry'],
    ['index', 503, 'no_shard_available_action_exception', 'retry'],
    ['index', 403, 'cluster_block_exception', 'retry'], // index.blocks.write
    ['index', 429, 'cluster_block_exception', 'retry'], // flood-stage disk block
    ['delete', 403, 'cluster_block_exception', 'retry'],
    ['index', 400, 'index_closed_exception', 'retry'],
    ['index', 400, 'mapper_parsing_exception', 'dead', 'mapping'],
    ['index', 400, 'document_parsing_exception', 'dead', 'mapping'],
    ['index', 400, 'strict_dynamic_mapping_exception', 'dead', 'mapping'],
    ['index', 400, 'illegal_argument_exception', 'dead', 'mapping'],
    ['index', 404, 'index_not_found_exception', 'dead', 'rejected'],
    ['index', 400, 'action_request_validation_exception', 'dead', 'rejected'],
  ];
  it.each(table)('%s %i %s → %s %s', (action, status, type, kind, deadKind) => {
    const v = classifyItem(action, { status, ...(type && { error: err(type) }) });
    expect(v.kind).toBe(kind);
    if (v.kind === 'dead') {
      expect(v.deadKind).toBe(deadKind);
      expect(v.error).toContain(type);
    }
  });

  it('retries a write to an alias the engine has not recovered yet (just restarted), dead-letters other bad names', () => {
    const recovering = classifyItem('index', {
      status: 400,
      error: err('invalid_index_name_exception', 'Invalid index name [products], already exists as alias'),
    });
    expect(recovering.kind).toBe('retry');
    const bad = classifyItem('index', {
      status: 400,
      error: err('invalid_index_name_exception', 'Invalid index name [Products], must be lowercase'),
    });
    expect(bad).toMatchObject({ kind: 'dead', deadKind: 'rejected' });
  });

  it('puts type, reason and cause into the dead-letter error', () => {
    const v = classifyItem('index', {
      status: 400,
      error: {
        type: 'mapper_parsing_exception',
        reason: 'failed to parse field [price] of type [long]',
        caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
      },
    });
    expect(v).toEqual({
      kind: 'dead',
      deadKind: 'mapping',
      error:
        '400 mapper_parsing_exception: failed to parse field [price] of type [long] (caused by illegal_argument_exception: For input string: "abc")',
    });
  });

  it('classifies a whole response item by item, by position', () => {
    const body = {
      errors: true,
      items: [
        { index: { status: 201 } },
        { index: { status: 429, error: err('es_rejected_execution_exception') } },
        { delete: { status: 404 } },
        { index: { status: 400, error: err('mapper_parsing_exception') } },
        { index: { status: 409, error: err('version_conflict_engine_exception') } },
      ],
    };
    const v = classifyItems(['index', 'index', 'delete', 'index', 'index'], body);
    expect(v?.map((x) => x.kind)).toEqual(['ok', 'retry', 'ok', 'dead', 'stale']);
  });

  it('refuses a response that does not line up with the request', () => {
    expect(
      classifyItems(['index', 'index'], { errors: false, items: [{ index: { status: 201 } }] }),
    ).toBeUndefined();
    expect(classifyItems(['index'], 'Bad gateway')).toBeUndefined();
    expect(classifyItems(['index'], { items: [{ index: {} }] })).toBeUndefined();
  });
});

describe('whole-request classification', () => {
  it.each([
    [200, 'items'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [408, 'retry'],
    [401, 'retry'],
    [403, 'retry'],
    [413, 'split'],
    [400, 'split'],
  ] as const)('HTTP %i → %s', (status, kind) => {
    expect(classifyStatus(status, { error: { type: 'x', reason: 'y' }, status }).kind).toBe(kind);
  });

  it('retries transport errors (refused, reset, timeouts)', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'UND_ERR_SOCKET',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ]) {
      const e = Object.assign(new Error(code), { code });
      expect(classifyTransportError(e)).toEqual({ kind: 'retry', reason: code });
    }
  });
});
