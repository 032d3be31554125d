/**
 * The value decoders of zongji that the row decoder (row-decoder.ts) keeps for the rare column types it does
 * not decode itself: MySQL's binary JSON, GEOMETRY, MariaDB's UUID/INET4/INET6, its COMPRESSED columns and
 * pre-10.0 "hires" temporals, text in charsets other than utf8, TIMESTAMP in a zone that is not Z or ±hh:mm, classic (pre-5.6) TIME/DATETIME/TIMESTAMP. Using zongji's own
 * code there keeps those values equal to what the pipeline produced before by construction.
 *
 * zongji 0.9's package exports only its entry point: its lib/ modules are loaded by file URL, next to the
 * entry point that Node resolves (the version is pinned in package.json).
 */
import type ZongJi from '@vlasky/zongji';

export interface ZongjiColumn {
  readonly name: string;
  readonly charset: string | null | undefined;
  readonly type: number;
  readonly metadata: Readonly<Record<string, number>> | undefined;
}

export interface ZongjiColumnSchema {
  readonly COLUMN_NAME: string;
  readonly COLUMN_TYPE: string;
  readonly CHARACTER_SET_NAME?: string | null;
  readonly UNSIGNED?: boolean;
  readonly ENUM_VALUES?: readonly string[];
  readonly SET_VALUES?: readonly string[];
}

/** zongji's per-table-id entry (z.tableMap[id]) once its TableMap was merged (updateColumnInfo). */
export interface ZongjiTable {
  readonly columns?: readonly ZongjiColumn[];
  readonly columnSchemas: readonly ZongjiColumnSchema[];
  readonly parentSchema: string;
  readonly tableName: string;
}

/** The parts of zongji's packet parser its value decoders read. */
export interface ValueParser {
  _buffer: Buffer;
  _offset: number;
  parseUnsignedNumber(bytes: number): number;
  parseBuffer(length: number): Buffer;
  parseLengthCodedString(): string | null;
}

interface CommonModule {
  readMysqlValue(
    parser: ValueParser,
    column: ZongjiColumn,
    schema: ZongjiColumnSchema,
    table: ZongjiTable,
    zongji: ZongJi,
  ): unknown;
  decodeTextColumn(buffer: Buffer, charset: string | null | undefined): string | Buffer;
}

const entry = import.meta.resolve('@vlasky/zongji');
const common = (await import(new URL('./lib/common.js', entry).href)) as CommonModule;

export const readMysqlValue = common.readMysqlValue;
export const decodeTextColumn = common.decodeTextColumn;

/** A parser over `buffer` from `offset`, for one call of a zongji value decoder. */
export function valueParser(buffer: Buffer, offset: number): ValueParser {
  return {
    _buffer: buffer,
    _offset: offset,
    parseUnsignedNumber(bytes: number): number {
      const at = this._offset;
      this._offset += bytes;
      if (bytes <= 6) return this._buffer.readUIntLE(at, bytes);
      return this._buffer.readUInt32LE(at + 4) * 0x1_0000_0000 + this._buffer.readUInt32LE(at);
    },
    parseBuffer(length: number): Buffer {
      const at = this._offset;
      this._offset += length;
      return this._buffer.subarray(at, at + length);
    },
    parseLengthCodedString(): string | null {
      const first = this.parseUnsignedNumber(1);
      if (first === 251) return null;
      const n = first < 251 ? first : this.parseUnsignedNumber(first === 252 ? 2 : first === 253 ? 3 : 8);
      return this.parseBuffer(n).toString('utf8');
    },
  };
}
