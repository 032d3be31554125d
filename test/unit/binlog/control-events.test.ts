import { describe, expect, it } from 'vitest';
import {
  DecodedGtid,
  DecodedMariadbGtid,
  DecodedQuery,
  decodeControlEvent,
} from '../../../src/sources/mysql-binlog/streaming/control-events.js';

/**
 * The layouts the real servers write (MariaDB sql/log_event.h, MySQL libbinlogevents), built byte by
 * byte: the variants the integration test does not reach on a quiet server (a group-commit id before the
 * XA id, a 64-bit sequence above 2^53) and the events too short to be read, which are left to zongji.
 * test/integration/binlog-streaming/row-decoder.test.ts compares real events against zongji's decoding.
 */
function event(type: number, body: Buffer, opts: { serverId?: number; next?: number } = {}): Buffer {
  const h = Buffer.alloc(19);
  h.writeUInt32LE(1_700_000_000, 0); // timestamp, seconds
  h[4] = type;
  h.writeUInt32LE(opts.serverId ?? 7, 5);
  h.writeUInt32LE(19 + body.length, 9);
  h.writeUInt32LE(opts.next ?? 4242, 13);
  return Buffer.concat([h, body]);
}
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
const decode = (b: Buffer, nextPosition?: number) => decodeControlEvent(b, 0, b.length, nextPosition);

describe('control events from the packet bytes', () => {
  it('MariaDB GTID: sequence (64-bit exact), domain, server from the header, standalone flag', () => {
    const ev = decode(
      event(162, Buffer.concat([u64(2n ** 60n + 3n), u32(5), Buffer.from([0x01])]), { serverId: 9 }),
    );
    expect(ev).toBeInstanceOf(DecodedMariadbGtid);
    expect(ev).toMatchObject({
      seqNo: 2n ** 60n + 3n,
      domainId: 5,
      serverId: 9,
      standalone: true,
      preparedXa: false,
      completedXa: false,
      timestamp: 1_700_000_000_000,
      nextPosition: 4242,
    });
    expect(ev!.getEventName()).toBe('mariadbgtid');
  });

  it('MariaDB GTID of a prepared XA after a group-commit id: the XA id follows the commit id', () => {
    const xa = Buffer.concat([u32(1), Buffer.from([3, 2]), Buffer.from('abc'), Buffer.from('xy')]);
    const body = Buffer.concat([u64(77n), u32(0), Buffer.from([0x02 | 0x40]), u64(123n), xa]);
    const ev = decode(event(162, body)) as DecodedMariadbGtid;
    expect(ev).toMatchObject({ seqNo: 77n, standalone: false, preparedXa: true, completedXa: false });
    expect(ev.xidFormatId).toBe(1);
    expect(ev.xidGtrid!.toString()).toBe('abc');
    expect(ev.xidBqual!.toString()).toBe('xy');
  });

  it('QUERY: schema and statement text after the status variables; the end position can be overridden', () => {
    const status = Buffer.from([0, 0, 0, 0, 0]);
    const post = Buffer.alloc(13);
    post[8] = 4; // schema length
    post.writeUInt16LE(status.length, 11);
    const body = Buffer.concat([
      post,
      status,
      Buffer.from('shop\0'),
      Buffer.from('ALTER TABLE 商品 ADD x INT'),
    ]);
    const ev = decode(event(2, body), 999) as DecodedQuery;
    expect(ev).toBeInstanceOf(DecodedQuery);
    expect(ev).toMatchObject({ schema: 'shop', query: 'ALTER TABLE 商品 ADD x INT', nextPosition: 999 });
  });

  it('MySQL GTID: uuid:gno as the server prints it', () => {
    const sid = Buffer.from('3e11fa47-71ca-11e1-9e33-c80aa9429562'.replaceAll('-', ''), 'hex');
    const body = Buffer.concat([Buffer.from([1]), sid, u64(23n), Buffer.alloc(17)]);
    const ev = decode(event(33, body)) as DecodedGtid;
    expect(ev).toBeInstanceOf(DecodedGtid);
    expect(ev.gtid).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:23');
  });

  it('XID; and events too short for their fixed part or of other types are left to zongji', () => {
    expect(decode(event(16, u64(5n)))!.getEventName()).toBe('xid');
    expect(decode(event(16, Buffer.alloc(4)))).toBeUndefined();
    expect(decode(event(162, Buffer.alloc(12)))).toBeUndefined();
    expect(
      decode(event(162, Buffer.concat([u64(1n), u32(0), Buffer.from([0x40]), Buffer.alloc(3)]))),
    ).toBeUndefined();
    expect(decode(event(2, Buffer.alloc(10)))).toBeUndefined();
    expect(decode(event(33, Buffer.alloc(20)))).toBeUndefined();
    expect(decode(event(42, Buffer.alloc(40)))).toBeUndefined(); // tagged GTID
    expect(decode(event(34, Buffer.alloc(40)))).toBeUndefined(); // anonymous GTID
  });
});
