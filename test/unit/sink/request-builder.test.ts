import { describe, expect, it } from 'vitest';
import {
  bulkBody,
  bulkBodyBytes,
  encodeOp,
  OpEncodingError,
  stringifyDoc,
} from '../../../src/sinks/search/request-builder.js';
import { deleteOp, indexOp, truncateOp } from './ops.js';

describe('request-builder', () => {
  it('writes index ops as action + source lines with external version', () => {
    const enc = encodeOp(indexOp('products', '42', 7n, { name: 'pen', price: 3 }));
    expect(enc.action).toBe('index');
    expect(enc.lines).toBe(
      '{"index":{"_index":"products","_id":"42","version":7,"version_type":"external"}}\n{"name":"pen","price":3}\n',
    );
    expect(enc.bytes).toBe(Buffer.byteLength(enc.lines));
  });

  it('writes deletes as a single action line and adds routing when set', () => {
    const op = { ...deleteOp('products', 'a"b', 9n), routing: 'r1' };
    const enc = encodeOp(op);
    expect(enc.lines).toBe(
      '{"delete":{"_index":"products","_id":"a\\"b","version":9,"version_type":"external","routing":"r1"}}\n',
    );
    expect(JSON.parse(enc.lines)).toEqual({
      delete: { _index: 'products', _id: 'a"b', version: 9, version_type: 'external', routing: 'r1' },
    });
  });

  it('serialises bigint versions exactly (no Number rounding)', () => {
    const v = (1n << 63n) - 1n; // 9223372036854775807, not representable as a double
    const enc = encodeOp(indexOp('i', '1', v, {}));
    expect(enc.lines).toContain('"version":9223372036854775807,');
    const v2 = 9007199254740993n; // 2^53 + 1
    expect(encodeOp(deleteOp('i', '1', v2)).lines).toContain('"version":9007199254740993,');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const enc = encodeOp(indexOp('i', '1', 1n, { t: '价格 €' }));
    expect(enc.bytes).toBe(Buffer.byteLength(enc.lines));
    expect(enc.bytes).toBeGreaterThan(enc.lines.length);
  });

  it('keeps bigint document values exact and honours toJSON', () => {
    const doc = { big: 12345678901234567890n, at: new Date(0), nested: [1n, { x: undefined, y: 2 }] };
    expect(stringifyDoc(doc)).toBe(
      '{"big":12345678901234567890,"at":"1970-01-01T00:00:00.000Z","nested":[1,{"y":2}]}',
    );
  });

  it('rejects ops the engine would refuse as a whole request', () => {
    expect(() => encodeOp(indexOp('i', '', 1n, {}))).toThrow(OpEncodingError);
    expect(() => encodeOp(indexOp('i', '1', -1n, {}))).toThrow(OpEncodingError);
    expect(() => encodeOp(indexOp('i', '1', 1n << 63n, {}))).toThrow(OpEncodingError);
    expect(() => encodeOp(truncateOp('i', 1n))).toThrow(OpEncodingError);
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    expect(() => encodeOp(indexOp('i', '1', 1n, cyclic))).toThrow(OpEncodingError);
  });

  it('concatenates pre-serialised ops into an NDJSON body', () => {
    const a = encodeOp(indexOp('i', '1', 1n, { a: 1 }));
    const b = encodeOp(deleteOp('i', '2', 2n));
    const body = bulkBody([a, b]);
    expect(body).toBe(a.lines + b.lines);
    expect(body.endsWith('\n')).toBe(true);
    expect(body.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('holds each op as UTF-8 bytes and sends a batch as their concatenation', () => {
    const a = encodeOp(indexOp('i', '1', 1n, { t: '价格 €', n: 1 }));
    const b = encodeOp(deleteOp('i', '2', 2n));
    expect(a.data.equals(Buffer.from(a.lines, 'utf8'))).toBe(true);
    expect(a.bytes).toBe(a.data.length);
    const body = bulkBodyBytes([a, b]);
    expect(body.length).toBe(a.bytes + b.bytes);
    expect(body.toString('utf8')).toBe(bulkBody([a, b]));
    expect(bulkBodyBytes([]).length).toBe(0);
  });
});
