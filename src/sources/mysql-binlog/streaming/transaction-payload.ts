import type ZongJi from '@vlasky/zongji';
import { decompress } from 'fzstd';
import { type DecodedControlEvent, decodeControlEvent, isControlEventType } from './control-events.js';
import { EVENT_HEADER as HEADER, TABLE_MAP_EVENT, TRANSACTION_PAYLOAD_EVENT } from './event-types.js';
import { type DecodedRowsEvent, isRowsEventType, RowDecoder, TableMapRepeats } from './row-decoder.js';

/**
 * Where the events decoded here go (the reader's translation), and an event that cannot be decoded: rows
 * events from the row decoder, GTID / XID / QUERY from control-events.ts.
 */
export interface RowEventSink {
  deliver(ev: DecodedRowsEvent | DecodedControlEvent): void;
  fail(e: Error): void;
}

/**
 * MySQL's compressed transactions (binlog_transaction_compression=ON, 8.0.20+): after its GTID event a
 * transaction is one TRANSACTION_PAYLOAD_EVENT whose body is a few type-length-value header fields
 * (length-encoded integers), an end mark, then the transaction's own events (BEGIN, table maps, rows,
 * XID) compressed with zstd, each with its 19-byte header and no checksum.
 *
 * zongji 0.9 skips such an event (and reports an error). decodeTransactionPayloads() hooks its
 * packet handler so the inner events go through zongji's own decoding, one by one, as if the server had
 * sent them uncompressed: the transaction is then read like any other.
 */
/** MySQL 9 VECTOR columns: zongji 0.9 refuses the type; on the wire they are BLOBs of float32s. */
const MYSQL_TYPE_VECTOR = 242;
const MYSQL_TYPE_BLOB = 252;

/**
 * MySQL 9's VECTOR (type 242) is stored and logged like a BLOB (same metadata: the size of the length
 * prefix; same row value: length + bytes, here little-endian float32s). zongji 0.9 stops at the unknown
 * type, so the table map is rewritten to say BLOB: the value arrives as bytes, which the mapping turns
 * into a float array (mapping/convert.ts, as for MariaDB's VECTOR). `at`: offset of the event header.
 */
export function vectorColumnsAsBlob(b: Buffer, at: number, end: number): void {
  let i = at + HEADER + 6 + 2; // table id, flags
  if (i >= end) return;
  i += 1 + b[i]! + 1; // schema name
  if (i >= end) return;
  i += 1 + b[i]! + 1; // table name
  if (i >= end) return;
  const f = b[i]!;
  const n = f < 251 ? 1 : f === 0xfc ? 3 : f === 0xfd ? 4 : 9;
  const count = f < 251 ? f : n === 3 ? b.readUInt16LE(i + 1) : n === 4 ? b.readUIntLE(i + 1, 3) : 0;
  i += n;
  for (let c = 0; c < count && i + c < end; c++)
    if (b[i + c] === MYSQL_TYPE_VECTOR) b[i + c] = MYSQL_TYPE_BLOB;
}

const FIELD_END = 0;
const FIELD_COMPRESSION = 2;
const ZSTD = 0;
const NONE = 255;

/** The events inside a TRANSACTION_PAYLOAD_EVENT body (without the event's own header and checksum). */
export function payloadEvents(body: Buffer): Buffer[] {
  let i = 0;
  const lenenc = (): number => {
    if (i >= body.length) throw new Error('truncated transaction payload header');
    const f = body[i++]!;
    if (f < 251) return f;
    const n = f === 0xfc ? 2 : f === 0xfd ? 3 : f === 0xfe ? 8 : 0;
    if (n === 0 || i + n > body.length) throw new Error(`bad length-encoded integer 0x${f.toString(16)}`);
    const v = n === 8 ? Number(body.readBigUInt64LE(i)) : body.readUIntLE(i, n);
    i += n;
    return v;
  };
  let compression = ZSTD;
  for (;;) {
    const type = lenenc();
    if (type === FIELD_END) break;
    const length = lenenc();
    if (i + length > body.length) throw new Error('truncated transaction payload header field');
    const next = i + length;
    // A field's value is itself a length-encoded integer (NONE = 255 takes 3 bytes: fc ff 00).
    if (type === FIELD_COMPRESSION) compression = lenenc();
    i = next;
  }
  const packed = body.subarray(i);
  let data: Buffer;
  if (compression === ZSTD) data = Buffer.from(decompress(packed));
  else if (compression === NONE) data = packed;
  else throw new Error(`unknown transaction payload compression type ${compression}`);
  const events: Buffer[] = [];
  for (let p = 0; p < data.length; ) {
    if (p + HEADER > data.length) throw new Error('truncated event inside a transaction payload');
    const length = data.readUInt32LE(p + 9);
    if (length < HEADER || p + length > data.length) {
      throw new Error(`bad event length ${length} inside a transaction payload`);
    }
    events.push(data.subarray(p, p + length));
    p += length;
  }
  return events;
}

/** The parts of mysql2's Packet that zongji's binlog handler reads. */
interface PacketLike {
  buffer: Buffer;
  offset: number;
  start: number;
  end: number;
}

interface BinlogCommand {
  binlogData(packet: PacketLike, connection: unknown): unknown;
}

interface ZongJiWithCommand {
  BinlogClass?: { prototype: BinlogCommand };
  useChecksum?: boolean;
}

/**
 * Makes `z` decode compressed transactions and VECTOR columns, and with `rows` hands rows events to
 * Syncline's row decoder (row-decoder.ts) instead of zongji's. Call it in zongji's 'ready' handler (its binlog command
 * class exists then, and no packet was read yet). `onError` gets a payload that cannot be decoded; the
 * packet is then dropped, so the caller must end the stream (nothing after it may be read).
 * `paused()` tells whether zongji paused the connection to look up table metadata: it cannot do so in the
 * middle of a payload (binlog_row_metadata=FULL avoids it), so that ends the stream too.
 */
export function decodeTransactionPayloads(
  z: ZongJi,
  onError: (e: Error) => void,
  paused: () => boolean,
  rows?: RowEventSink,
): void {
  const zj = z as unknown as ZongJiWithCommand;
  const proto = zj.BinlogClass?.prototype;
  if (!proto) throw new Error('zongji has no binlog command class yet: call this from its ready handler');
  const original = proto.binlogData;
  const checksum = zj.useChecksum ? 4 : 0;
  const decoder = rows && new RowDecoder(z);
  const repeats = rows && new TableMapRepeats(z);
  /**
   * Rows events, repeated TABLE_MAPs and the control events bypass zongji: true when the event at `at` was
   * handled here. `nextPosition`: the end position to report for an event inside a transaction payload.
   */
  const bypass = (
    b: Buffer,
    at: number,
    end: number,
    withChecksum: boolean,
    nextPosition?: number,
  ): boolean => {
    if (!rows || !decoder || !repeats) return false;
    const type = b[at + 4]!;
    try {
      if (type === TABLE_MAP_EVENT) return repeats.repeat(b, at, end, withChecksum);
      if (isControlEventType(type)) {
        const ev = decodeControlEvent(b, at, end - (withChecksum ? checksum : 0), nextPosition);
        if (!ev) return false;
        rows.deliver(ev);
        return true;
      }
      if (!isRowsEventType(type)) return false;
      const ev = decoder.decode(b, at, end, withChecksum);
      if (ev) rows.deliver(ev);
    } catch (e) {
      rows.fail(e as Error);
    }
    return true;
  };
  proto.binlogData = function (this: BinlogCommand, packet: PacketLike, connection: unknown) {
    const b = packet.buffer;
    const o = packet.offset;
    // 0x00 marks an event packet; the event type follows the 4-byte timestamp.
    if (b[o] === 0 && b[o + 5] === TABLE_MAP_EVENT) vectorColumnsAsBlob(b, o + 1, packet.end);
    if (b[o] === 0 && packet.end - o >= 1 + HEADER && bypass(b, o + 1, packet.end, true)) {
      return proto.binlogData;
    }
    if (b[o] !== 0 || b[o + 5] !== TRANSACTION_PAYLOAD_EVENT || packet.end - o < 1 + HEADER) {
      return original.call(this, packet, connection);
    }
    const nextPosition = b.readUInt32LE(o + 1 + 13);
    let inner: Buffer[];
    try {
      inner = payloadEvents(b.subarray(o + 1 + HEADER, packet.end - checksum));
    } catch (e) {
      onError(e as Error);
      return proto.binlogData;
    }
    let next: unknown = proto.binlogData;
    for (const ev of inner) {
      if (ev[4] === TABLE_MAP_EVENT) vectorColumnsAsBlob(ev, 0, ev.length);
      if (bypass(ev, 0, ev.length, false, nextPosition)) continue;
      // The inner event as zongji expects a packet: marker, header (its length counting the checksum
      // placeholder, its end position the payload's, as inner events carry none), body, and a
      // placeholder where the server would put the checksum.
      const buffer = Buffer.alloc(1 + ev.length + checksum);
      ev.copy(buffer, 1);
      buffer.writeUInt32LE(ev.length + checksum, 1 + 9);
      buffer.writeUInt32LE(nextPosition, 1 + 13);
      const fake = Object.create(packet) as PacketLike;
      fake.buffer = buffer;
      fake.offset = 0;
      fake.start = -4;
      fake.end = buffer.length;
      next = original.call(this, fake, connection);
      if (paused()) {
        onError(
          new Error(
            'a compressed transaction needs table metadata from INFORMATION_SCHEMA (binlog_row_metadata is not FULL)',
          ),
        );
        return proto.binlogData;
      }
    }
    return next;
  };
}
