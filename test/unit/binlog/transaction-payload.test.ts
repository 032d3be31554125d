import { describe, expect, it } from 'vitest';
import {
  payloadEvents,
  vectorColumnsAsBlob,
} from '../../../src/sources/mysql-binlog/streaming/transaction-payload.js';

/** A binlog event: 19-byte header (type at 4, length at 9) and a body. */
function event(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(19);
  h[4] = type;
  h.writeUInt32LE(19 + body.length, 9);
  return Buffer.concat([h, body]);
}

describe('transaction payload events', () => {
  it('splits an uncompressed payload (compression type NONE) into its events, header fields skipped', () => {
    const inner = [event(2, Buffer.from('BEGIN-ish')), event(16, Buffer.alloc(8, 7))];
    const data = Buffer.concat(inner);
    // fields (type, length, length-encoded value): compression type (2) = 255 (NONE, 3 bytes),
    // uncompressed size (3), payload size (1), then the end mark (0)
    const header = Buffer.from([2, 3, 0xfc, 0xff, 0x00, 3, 1, data.length, 1, 1, data.length, 0]);
    const out = payloadEvents(Buffer.concat([header, data]));
    expect(out.map((b) => b.toString('hex'))).toEqual(inner.map((b) => b.toString('hex')));
  });

  it('refuses a truncated payload rather than yield part of it', () => {
    const e = event(2, Buffer.from('x'));
    const header = Buffer.from([2, 3, 0xfc, 0xff, 0x00, 0]);
    expect(() => payloadEvents(Buffer.concat([header, e.subarray(0, e.length - 1)]))).toThrow(
      /bad event length|truncated/,
    );
    expect(() => payloadEvents(Buffer.from([2, 1, 9, 0, 1, 2, 3]))).toThrow(/compression type 9/);
  });
});

describe('VECTOR columns in table maps', () => {
  it('rewrites type 242 (VECTOR) to 252 (BLOB) in the column type list, nothing else', () => {
    const body = Buffer.concat([
      Buffer.alloc(8), // table id, flags
      Buffer.from([2]),
      Buffer.from('db\0'),
      Buffer.from([1]),
      Buffer.from('t\0'),
      Buffer.from([3, 3, 242, 15]), // 3 columns: LONG, VECTOR, VARCHAR
      Buffer.from([1, 4, 242]), // metadata that must stay as it is
    ]);
    const ev = event(19, body);
    vectorColumnsAsBlob(ev, 0, ev.length);
    const types = ev.subarray(19 + 8 + 1 + 3 + 1 + 2 + 1, 19 + 8 + 1 + 3 + 1 + 2 + 1 + 3);
    expect([...types]).toEqual([3, 252, 15]);
    expect([...ev.subarray(ev.length - 3)]).toEqual([1, 4, 242]);
  });
});
