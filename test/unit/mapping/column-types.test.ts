import { describe, expect, it } from 'vitest';
import { columnTypeFromInformationSchema, parseEnumValues } from '../../../src/mapping/column-types.js';

const row = (over: Record<string, unknown>) => ({
  COLUMN_NAME: 'c',
  DATA_TYPE: 'int',
  COLUMN_TYPE: 'int(11)',
  NUMERIC_PRECISION: null,
  NUMERIC_SCALE: null,
  DATETIME_PRECISION: null,
  CHARACTER_MAXIMUM_LENGTH: null,
  CHARACTER_SET_NAME: null,
  IS_NULLABLE: 'YES',
  ...over,
});

describe('column descriptors', () => {
  it('parses ENUM/SET value lists with quotes, commas and escapes', () => {
    expect(parseEnumValues("enum('x','y')")).toEqual(['x', 'y']);
    expect(parseEnumValues("set('a','b','c')")).toEqual(['a', 'b', 'c']);
    expect(parseEnumValues("enum('it''s','a,b','')")).toEqual(["it's", 'a,b', '']);
    expect(parseEnumValues("enum('back\\\\slash','中文')")).toEqual(['back\\slash', '中文']);
  });

  it('reads unsigned, TINYINT(1), precision/scale, fsp and JSON', () => {
    const t1 = columnTypeFromInformationSchema(row({ DATA_TYPE: 'tinyint', COLUMN_TYPE: 'tinyint(1)' }));
    expect(t1.isTinyint1).toBe(true);
    expect(
      columnTypeFromInformationSchema(row({ DATA_TYPE: 'tinyint', COLUMN_TYPE: 'tinyint(4)' })).isTinyint1,
    ).toBe(false);
    const ub = columnTypeFromInformationSchema(
      row({ DATA_TYPE: 'bigint', COLUMN_TYPE: 'bigint(20) unsigned', NUMERIC_PRECISION: '20' }),
    );
    expect([ub.unsigned, ub.precision]).toEqual([true, 20]);
    const dec = columnTypeFromInformationSchema(
      row({ DATA_TYPE: 'DECIMAL', COLUMN_TYPE: 'decimal(12,2)', NUMERIC_PRECISION: 12, NUMERIC_SCALE: 2 }),
    );
    expect([dec.type, dec.precision, dec.scale]).toEqual(['decimal', 12, 2]);
    const f = columnTypeFromInformationSchema(
      row({ DATA_TYPE: 'float', COLUMN_TYPE: 'float', NUMERIC_PRECISION: 12 }),
    );
    expect(f.scale).toBeNull();
    expect(
      columnTypeFromInformationSchema(
        row({ DATA_TYPE: 'float', COLUMN_TYPE: 'float(7,4)', NUMERIC_SCALE: 4 }),
      ).scale,
    ).toBe(4);
    expect(
      columnTypeFromInformationSchema(
        row({ DATA_TYPE: 'datetime', COLUMN_TYPE: 'datetime(6)', DATETIME_PRECISION: 6 }),
      ).fsp,
    ).toBe(6);
    const j = columnTypeFromInformationSchema(
      row({ DATA_TYPE: 'longtext', COLUMN_TYPE: 'longtext', CHARACTER_SET_NAME: 'utf8mb4' }),
      true,
    );
    expect([j.type, j.charset]).toEqual(['json', 'utf8mb4']);
    const e = columnTypeFromInformationSchema(
      row({ DATA_TYPE: 'enum', COLUMN_TYPE: "enum('a','b')", IS_NULLABLE: 'NO' }),
    );
    expect([e.enumValues, e.setValues, e.nullable]).toEqual([['a', 'b'], null, false]);
  });
});
