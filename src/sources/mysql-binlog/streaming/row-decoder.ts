import { inflateSync } from 'node:zlib';
import type ZongJi from '@vlasky/zongji';
import type { Row } from '../../../core/change-event.js';
import { type ConnectionConfig, type Cursor, columnReader, type Reader } from './column-readers.js';
import {
  DELETE_ROWS_COMPRESSED,
  DELETE_ROWS_V1,
  DELETE_ROWS_V2,
  EVENT_HEADER,
  WRITE_ROWS_COMPRESSED,
  WRITE_ROWS_COMPRESSED_V1,
  WRITE_ROWS_V1,
  WRITE_ROWS_V2,
} from './event-types.js';
import type { ZongjiTable } from './zongji-values.js';

/**
 * Syncline's decoder of WRITE/UPDATE/DELETE_ROWS events (v1, v2, MariaDB's compressed variants), read straight
 * from the packet bytes. zongji stays the connection (handshake, dump, TABLE_MAP parsing and its
 * INFORMATION_SCHEMA fallback); its row parsing allocated a parser call, a closure and several strings per
 * value (issue 17: 13–40k events/s). Here each table is compiled once into one reader per column
 * (column-readers.ts) and a generated row reader, and a row is one object literal.
 *
 * Values equal what the pipeline produced from zongji plus rowNormalizer (row-values.ts): BIGINT as an exact
 * decimal string, TIME with correct negative values, DECIMAL exact strings, DATE/DATETIME/TIMESTAMP strings
 * (dateStrings), text decoded in its charset, binary as Buffers over the packet. The rare types keep
 * zongji's own decoders (zongji-values.ts): MySQL binary JSON, GEOMETRY, MariaDB UUID/INET and COMPRESSED
 * columns, classic and "hires" temporals, non-utf8 text, TIMESTAMP in a zone other than 'Z' / ±hh:mm.
 * test/integration/binlog-streaming/row-decoder.test.ts compares both decoders value for value.
 */

/** The rows of one event, in the shape EventTranslator reads from zongji's rows events. */
export class DecodedRowsEvent {
  /** Values are final: the translator's rowNormalizer must not run on them. */
  readonly normalized = true;
  constructor(
    private readonly name: 'writerows' | 'updaterows' | 'deleterows',
    readonly tableId: number,
    readonly rows: Row[] | Array<{ before: Row; after: Row }>,
    readonly timestamp: number,
    readonly nextPosition: number,
  ) {}

  getEventName(): string {
    return this.name;
  }
}

/** Whether an event type is one this decoder reads (PARTIAL_UPDATE_ROWS is not: zongji reports it). */
export function isRowsEventType(type: number): boolean {
  return (
    (type >= WRITE_ROWS_V1 && type <= DELETE_ROWS_V1) ||
    (type >= WRITE_ROWS_V2 && type <= DELETE_ROWS_V2) ||
    (type >= WRITE_ROWS_COMPRESSED_V1 && type <= DELETE_ROWS_COMPRESSED)
  );
}

type RowReader = (
  c: Cursor,
  bm: Buffer,
  present: number,
  nullBytes: number,
  readers: readonly Reader[],
) => Row;

interface CompiledTable {
  readonly names: readonly string[];
  readonly readers: readonly Reader[];
  readonly readRow: RowReader;
}

/**
 * Row decoding for one zongji connection: compiled tables are cached per zongji table entry (a new TableMap
 * that zongji parses replaces the entry, so a changed table recompiles).
 */
export class RowDecoder {
  private readonly compiled = new WeakMap<ZongjiTable, CompiledTable>();
  private readonly tables: Record<number, ZongjiTable | undefined>;
  private readonly checksum: number;

  constructor(private readonly z: ZongJi) {
    const zj = z as unknown as { tableMap: Record<number, ZongjiTable | undefined>; useChecksum?: boolean };
    this.tables = zj.tableMap;
    this.checksum = zj.useChecksum ? 4 : 0;
  }

  /**
   * Decodes the rows event whose header starts at `at` in `b` (the event ends at `end`, checksum included
   * when the connection uses checksums and `withChecksum`). Undefined when its table is filtered out (no
   * zongji entry), as zongji skips those.
   */
  decode(b: Buffer, at: number, end: number, withChecksum: boolean): DecodedRowsEvent | undefined {
    const type = b[at + 4]!;
    const timestamp = b.readUInt32LE(at) * 1000;
    const nextPosition = b.readUInt32LE(at + 13);
    let pos = at + EVENT_HEADER;
    const tableId = b.readUInt32LE(pos) + b.readUInt16LE(pos + 4) * 0x1_0000_0000;
    pos += 8; // table id, flags
    if ((type >= WRITE_ROWS_V2 && type <= DELETE_ROWS_V2) || type >= WRITE_ROWS_COMPRESSED)
      pos += b.readUInt16LE(pos);
    const table = this.tables[tableId];
    if (table === undefined || table.columns === undefined) return undefined;
    const t = this.table(table);
    // Column count (length-encoded), then the columns-present bitmap(s).
    const first = b[pos]!;
    let count = first;
    if (first < 251) pos += 1;
    else if (first === 252) {
      count = b.readUInt16LE(pos + 1);
      pos += 3;
    } else if (first === 253) {
      count = b.readUIntLE(pos + 1, 3);
      pos += 4;
    } else throw new Error(`rows event: bad column count byte 0x${first.toString(16)}`);
    const bitmapBytes = (count + 7) >> 3;
    const present = pos;
    pos += bitmapBytes;
    const update =
      type === WRITE_ROWS_V1 + 1 ||
      type === WRITE_ROWS_V2 + 1 ||
      type === WRITE_ROWS_COMPRESSED_V1 + 1 ||
      type === WRITE_ROWS_COMPRESSED + 1;
    const present2 = pos;
    if (update) pos += bitmapBytes;
    let stop = end - (withChecksum ? this.checksum : 0);
    const c: Cursor = { buf: b, pos };
    if (type >= WRITE_ROWS_COMPRESSED_V1) {
      c.buf = inflateRowImages(b.subarray(pos, stop));
      c.pos = 0;
      stop = c.buf.length;
    }
    const name = update
      ? 'updaterows'
      : type === WRITE_ROWS_V1 ||
          type === WRITE_ROWS_V2 ||
          type === WRITE_ROWS_COMPRESSED_V1 ||
          type === WRITE_ROWS_COMPRESSED
        ? 'writerows'
        : 'deleterows';
    const nulls1 = popcount(b, present, bitmapBytes);
    if (update) {
      const nulls2 = popcount(b, present2, bitmapBytes);
      const rows: Array<{ before: Row; after: Row }> = [];
      while (c.pos < stop) {
        const before = t.readRow(c, b, present, nulls1, t.readers);
        const after = t.readRow(c, b, present2, nulls2, t.readers);
        rows.push({ before, after });
      }
      return new DecodedRowsEvent(name, tableId, rows, timestamp, nextPosition);
    }
    const rows: Row[] = [];
    while (c.pos < stop) rows.push(t.readRow(c, b, present, nulls1, t.readers));
    return new DecodedRowsEvent(name, tableId, rows, timestamp, nextPosition);
  }

  private table(entry: ZongjiTable): CompiledTable {
    let t = this.compiled.get(entry);
    if (!t) {
      t = compileTable(entry, this.z);
      this.compiled.set(entry, t);
    }
    return t;
  }
}

/** Bytes of the null bitmap of a row whose image has the columns of `bytes` bitmap bytes at `at`. */
function popcount(b: Buffer, at: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) {
    let v = b[at + i]!;
    while (v) {
      v &= v - 1;
      n++;
    }
  }
  return (n + 7) >> 3;
}

/**
 * The row reader of one table: a function with the table's column names as literal keys, so every row is
 * built as one object literal of a fixed shape (a loop of keyed stores over varying names made V8's
 * stores megamorphic: 13% of decode time). A column outside the image (binlog_row_image MINIMAL/NOBLOB)
 * or NULL is null. Names are embedded as JSON string literals; a table with a column named __proto__
 * (which a literal would treat as the prototype) takes the generic reader.
 */
function rowReader(names: readonly string[]): RowReader {
  if (names.includes('__proto__')) return genericRowReader(names);
  const lines: string[] = [
    'const buf = c.buf;',
    'const nulls = c.pos;',
    'c.pos += nullBytes;',
    'let bit = 0;',
  ];
  for (let i = 0; i < names.length; i++) {
    lines.push(
      `let v${i} = null;`,
      `if ((bm[present + ${i >> 3}] & ${1 << (i & 7)}) !== 0) {`,
      `  if ((buf[nulls + (bit >> 3)] & (1 << (bit & 7))) === 0) v${i} = readers[${i}](c);`,
      '  bit++;',
      '}',
    );
  }
  lines.push(`return { ${names.map((n, i) => `${JSON.stringify(n)}: v${i}`).join(', ')} };`);
  return new Function('c', 'bm', 'present', 'nullBytes', 'readers', lines.join('\n')) as RowReader;
}

function genericRowReader(names: readonly string[]): RowReader {
  return (c, bm, present, nullBytes, readers) => {
    const buf = c.buf;
    const nulls = c.pos;
    c.pos += nullBytes;
    const row: Row = {};
    for (let i = 0, bit = 0; i < names.length; i++) {
      if ((bm[present + (i >> 3)]! & (1 << (i & 7))) === 0) {
        Object.defineProperty(row, names[i]!, {
          value: null,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        continue;
      }
      const v = (buf[nulls + (bit >> 3)]! & (1 << (bit & 7))) !== 0 ? null : readers[i]!(c);
      Object.defineProperty(row, names[i]!, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      bit++;
    }
    return row;
  };
}

/** MariaDB log_bin_compress: the row images are one zlib stream after a header byte and its length. */
function inflateRowImages(area: Buffer): Buffer {
  const header = area[0];
  if (header === undefined || (header & 0x80) === 0 || (header & 0x70) !== 0) {
    throw new Error(`unknown compressed rows event header 0x${header?.toString(16)}`);
  }
  const lengthBytes = header & 0x07;
  if (lengthBytes < 1 || lengthBytes > 4 || area.length < 1 + lengthBytes) {
    throw new Error(`corrupt compressed rows event header 0x${header.toString(16)}`);
  }
  const expected = area.readUIntBE(1, lengthBytes);
  const out = inflateSync(area.subarray(1 + lengthBytes));
  if (out.length !== expected) {
    throw new Error(`compressed rows event inflated to ${out.length} bytes, expected ${expected}`);
  }
  return out;
}

function compileTable(table: ZongjiTable, z: ZongJi): CompiledTable {
  const columns = table.columns!;
  const config = ((z as unknown as { connection?: { config?: ConnectionConfig } }).connection?.config ??
    {}) as ConnectionConfig;
  const names: string[] = [];
  const readers: Reader[] = [];
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const schema = table.columnSchemas[i]!;
    names.push(column.name);
    readers.push(columnReader(column, schema, table, z, config));
  }
  return { names, readers, readRow: rowReader(names) };
}

/**
 * A TABLE_MAP that repeats the previous one of its table id byte for byte (every transaction writes one per
 * table) needs no parsing: zongji's entry and the translator's table info from the first one still hold.
 * zongji rebuilt its entry on each, which made the row decoder recompile per transaction. DDL makes the
 * reader drop zongji's entries, so the next TABLE_MAP of an altered table is parsed again.
 */
export class TableMapRepeats {
  private readonly last = new Map<number, Buffer>();
  private readonly tables: Record<number, ZongjiTable | undefined>;
  private readonly checksum: number;

  constructor(z: ZongJi) {
    const zj = z as unknown as { tableMap: Record<number, ZongjiTable | undefined>; useChecksum?: boolean };
    this.tables = zj.tableMap;
    this.checksum = zj.useChecksum ? 4 : 0;
  }

  /** True when the TABLE_MAP event at `at` (ending at `end`) can be skipped; else it is remembered. */
  repeat(b: Buffer, at: number, end: number, withChecksum: boolean): boolean {
    const bodyAt = at + EVENT_HEADER;
    const body = b.subarray(bodyAt, end - (withChecksum ? this.checksum : 0));
    if (body.length < 6) return false;
    const tableId = b.readUInt32LE(bodyAt) + b.readUInt16LE(bodyAt + 4) * 0x1_0000_0000;
    const seen = this.last.get(tableId);
    if (seen?.equals(body) && this.tables[tableId]?.columns !== undefined) return true;
    this.last.set(tableId, Buffer.from(body));
    return false;
  }
}
