import { afterAll, describe, expect, it } from 'vitest';
import { detectEngine } from '../../../src/sinks/search/engine-compat.js';
import { encodeOp } from '../../../src/sinks/search/request-builder.js';
import { searchClient, uniqueName } from '../../helpers/stack.js';
import { indexOp } from '../../unit/sink/ops.js';
import { deleteIndex } from './support.js';

const client = searchClient();
const index = uniqueName('sink_engine');
afterAll(async () => {
  await deleteIndex(client, index);
  await client.close();
});

describe('engine detection (real node)', () => {
  it('recognises the local OpenSearch node, and the filtered _bulk response has the shape the sink reads', async () => {
    const p = await detectEngine(client);
    expect(p.info.engine).toBe('opensearch');
    expect(p.info.major).toBeGreaterThanOrEqual(1);
    expect(p.info.major).toBeLessThanOrEqual(3);
    const body =
      encodeOp(indexOp(index, '1', 1n, { a: 1 })).lines + encodeOp(indexOp(index, '1', 1n, { a: 1 })).lines;
    const res = await client.request('POST', `/_bulk${p.bulkQuery('false')}`, body, {
      contentType: p.bulkContentType,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      errors: true,
      items: [
        { index: { status: 201 } },
        {
          index: {
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: expect.stringContaining('version conflict'),
            },
          },
        },
      ],
    });
  });
});
