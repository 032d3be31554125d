import {
  GTID_LOG_EVENT,
  EVENT_HEADER as HEADER,
  MARIADB_GTID_EVENT,
  QUERY_EVENT,
  XID_EVENT,
} from './event-types.js';

/**
 * The events that open and close every transaction — MariaDB's GTID event, MySQL's (untagged) GTID event,
 * XID and QUERY (BEGIN / COMMIT / DDL) — read straight from the packet bytes, in the shape EventTranslator
 * reads from zongji's events. Each transaction has three of them; through zongji each cost a parser, a
 * packet object and an event object, about a tenth of decoding (docs/performance.md "Binlog decode
 * alone"). The rarer variants keep zongji's decoding: MySQL's tagged GTID (8.4+, a serialised message) and
 * anonymous GTID, MariaDB's compressed QUERY, and any event shorter than its fixed part.
 * test/integration/binlog-streaming/row-decoder.test.ts compares the change events and positions of both
 * paths over the same binlog range.
 */

/** MariaDB GTID event flags2 (sql/log_event.h). */
const FL_STANDALONE = 0x01;
const FL_GROUP_COMMIT_ID = 0x02;
const FL_PREPARED_XA = 0x40;
const FL_COMPLETED_XA = 0x80;

/** Query event post-header: thread id 4, execution time 4, schema length 1, error code 2, status vars length 2. */
const QUERY_POST_HEADER = 13;

class ControlEvent {
  constructor(
    private readonly name: string,
    readonly timestamp: number,
    readonly nextPosition: number,
  ) {}

  getEventName(): string {
    return this.name;
  }
}

export class DecodedXid extends ControlEvent {
  constructor(timestamp: number, nextPosition: number) {
    super('xid', timestamp, nextPosition);
  }
}

export class DecodedQuery extends ControlEvent {
  constructor(
    timestamp: number,
    nextPosition: number,
    readonly schema: string,
    readonly query: string,
  ) {
    super('query', timestamp, nextPosition);
  }
}

export class DecodedMariadbGtid extends ControlEvent {
  constructor(
    timestamp: number,
    nextPosition: number,
    readonly serverId: number,
    readonly domainId: number,
    readonly seqNo: bigint,
    readonly standalone: boolean,
    readonly preparedXa: boolean,
    readonly completedXa: boolean,
    readonly xidFormatId?: number,
    readonly xidGtrid?: Buffer,
    readonly xidBqual?: Buffer,
  ) {
    super('mariadbgtid', timestamp, nextPosition);
  }
}

export class DecodedGtid extends ControlEvent {
  constructor(
    timestamp: number,
    nextPosition: number,
    readonly gtid: string,
  ) {
    super('gtid', timestamp, nextPosition);
  }
}

export type DecodedControlEvent = DecodedXid | DecodedQuery | DecodedMariadbGtid | DecodedGtid;

/** Whether decodeControlEvent() may read an event of this type (it can still leave a variant to zongji). */
export function isControlEventType(type: number): boolean {
  return type === QUERY_EVENT || type === XID_EVENT || type === GTID_LOG_EVENT || type === MARIADB_GTID_EVENT;
}

/**
 * The control event whose header starts at `at` in `b`; its body ends at `bodyEnd` (the checksum already
 * left out). `nextPosition` overrides the header's (events inside a MySQL transaction payload carry none).
 * Undefined when the event is a variant left to zongji.
 */
export function decodeControlEvent(
  b: Buffer,
  at: number,
  bodyEnd: number,
  nextPosition = b.readUInt32LE(at + 13),
): DecodedControlEvent | undefined {
  const type = b[at + 4]!;
  const timestamp = b.readUInt32LE(at) * 1000;
  const body = at + HEADER;
  const size = bodyEnd - body;
  switch (type) {
    case XID_EVENT:
      return size >= 8 ? new DecodedXid(timestamp, nextPosition) : undefined;
    case QUERY_EVENT: {
      if (size < QUERY_POST_HEADER) return undefined;
      const schemaLength = b[body + 8]!;
      const statusVarsLength = b.readUInt16LE(body + 11);
      const schemaAt = body + QUERY_POST_HEADER + statusVarsLength;
      const queryAt = schemaAt + schemaLength + 1;
      if (queryAt > bodyEnd) return undefined;
      return new DecodedQuery(
        timestamp,
        nextPosition,
        b.toString('utf8', schemaAt, schemaAt + schemaLength),
        b.toString('utf8', queryAt, bodyEnd),
      );
    }
    case MARIADB_GTID_EVENT: {
      if (size < 13) return undefined;
      const seqNo = b.readBigUInt64LE(body);
      const domainId = b.readUInt32LE(body + 8);
      const flags = b[body + 12]!;
      let p = body + 13;
      if (flags & FL_GROUP_COMMIT_ID) p += 8;
      const preparedXa = (flags & FL_PREPARED_XA) !== 0;
      const completedXa = (flags & FL_COMPLETED_XA) !== 0;
      const serverId = b.readUInt32LE(at + 5);
      const standalone = (flags & FL_STANDALONE) !== 0;
      let xa: [formatId?: number, gtrid?: Buffer, bqual?: Buffer] = [];
      if (preparedXa || completedXa) {
        if (p + 6 > bodyEnd) return undefined;
        const gtridLength = b[p + 4]!;
        const bqualLength = b[p + 5]!;
        const idAt = p + 6;
        if (idAt + gtridLength + bqualLength > bodyEnd) return undefined;
        xa = [
          b.readUInt32LE(p),
          Buffer.from(b.subarray(idAt, idAt + gtridLength)),
          Buffer.from(b.subarray(idAt + gtridLength, idAt + gtridLength + bqualLength)),
        ];
      } else if (p > bodyEnd) return undefined;
      return new DecodedMariadbGtid(
        timestamp,
        nextPosition,
        serverId,
        domainId,
        seqNo,
        standalone,
        preparedXa,
        completedXa,
        ...xa,
      );
    }
    case GTID_LOG_EVENT: {
      if (size < 25) return undefined;
      const sid = b.toString('hex', body + 1, body + 17);
      const uuid = `${sid.slice(0, 8)}-${sid.slice(8, 12)}-${sid.slice(12, 16)}-${sid.slice(16, 20)}-${sid.slice(20)}`;
      return new DecodedGtid(timestamp, nextPosition, `${uuid}:${b.readBigUInt64LE(body + 17)}`);
    }
    default:
      return undefined;
  }
}
