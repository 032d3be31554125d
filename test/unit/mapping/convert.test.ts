import { describe, expect, it } from 'vitest';
import { type ConvertOptions, convertValue } from '../../../src/mapping/convert.js';
import { ConversionError, isConversionError } from '../../../src/mapping/errors.js';
import { col } from './helpers.js';

const UTC: ConvertOptions = { decimal: 'string', tinyint1: 'number', datetimeZone: 'UTC' };
const conv = (c: ReturnType<typeof col>, v: unknown, o: Partial<ConvertOptions> = {}) =>
  convertValue(c, v, { ...UTC, ...o });
const fails = (c: ReturnType<typeof col>, v: unknown, o: Partial<ConvertOptions> = {}) => {
  try {
    conv(c, v, o);
  } catch (e) {
    expect(isConversionError(e)).toBe(true);
    expect((e as ConversionError).deadLetterKind).toBe('conversion');
    expect((e as ConversionError).column).toBe(c.name);
    return (e as ConversionError).message;
  }
  throw new Error(`expected ${String(v)} to fail for ${c.type}`);
};

describe('integers', () => {
  const int = col('int');
  const big = col('bigint', { columnType: 'bigint(20)' });
  const ubig = col('bigint', { columnType: 'bigint(20) unsigned', unsigned: true });

  it('numbers and digit strings of random values: the value itself when exact, else its digits', () => {
    let seed = 9;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor((rand() - 0.5) * 2 * 10 ** Math.floor(rand() * 16));
      expect(conv(big, n)).toBe(n + 0);
      expect(conv(big, String(n))).toBe(n + 0);
      expect(conv(int, `${n < 0 ? '-' : ''}000${Math.abs(n)}`)).toBe(n + 0);
    }
    expect(Object.is(conv(int, -0), 0)).toBe(true);
    expect(Object.is(conv(int, '-0'), 0)).toBe(true);
    expect(Object.is(conv(int, '-000'), 0)).toBe(true);
    expect(conv(ubig, '18446744073709551615')).toBe('18446744073709551615');
    expect(conv(big, '9007199254740993')).toBe('9007199254740993');
    expect(conv(big, ' 42 ')).toBe(42);
    expect(conv(big, '+42')).toBe(42);
    expect(conv(big, 2 ** 60)).toBe('1152921504606846976');
    fails(int, 1.5);
    fails(int, '1e3');
  });

  it('accepts numbers, bigints and digit strings (bigNumberStrings) and returns a number when exact', () => {
    expect(conv(int, 42)).toBe(42);
    expect(conv(big, '1')).toBe(1);
    expect(conv(big, 7n)).toBe(7);
    expect(conv(big, '-9007199254740991')).toBe(-9007199254740991);
    expect(conv(big, 9007199254740991)).toBe(9007199254740991);
    expect(conv(int, '+007')).toBe(7);
    expect(conv(int, '-0')).toBe(0);
    expect(conv(int, true)).toBe(1);
  });

  it('keeps values beyond ±(2^53−1) as exact decimal strings', () => {
    expect(conv(ubig, '18446744073709551615')).toBe('18446744073709551615');
    expect(conv(ubig, 18446744073709551615n)).toBe('18446744073709551615');
    expect(conv(big, '-9223372036854775808')).toBe('-9223372036854775808');
    expect(conv(big, '9007199254740992')).toBe('9007199254740992');
  });

  it('rejects non-integers', () => {
    expect(fails(int, 1.5)).toMatch(/column "int" \(int\): cannot convert 1.5: not an integer/);
    fails(int, 'abc');
    fails(int, '1e3');
    fails(int, {});
  });

  it('TINYINT(1) is 0/1 by default and true/false with tinyint1: boolean', () => {
    const t1 = col('tinyint', { isTinyint1: true, columnType: 'tinyint(1)' });
    expect(conv(t1, 1)).toBe(1);
    expect(conv(t1, 1, { tinyint1: 'boolean' })).toBe(true);
    expect(conv(t1, 0, { tinyint1: 'boolean' })).toBe(false);
    expect(conv(t1, '0', { tinyint1: 'boolean' })).toBe(false);
    expect(conv(t1, 5, { tinyint1: 'boolean' })).toBe(true);
    // other TINYINTs are never booleans
    expect(conv(col('tinyint', { columnType: 'tinyint(4)' }), 1, { tinyint1: 'boolean' })).toBe(1);
  });
});

describe('DECIMAL', () => {
  const price = col('decimal', { columnType: 'decimal(12,2)', precision: 12, scale: 2 });

  it('is an exact string with its scale (no trailing-zero loss)', () => {
    expect(conv(price, '10.50')).toBe('10.50');
    expect(conv(price, '-10.50')).toBe('-10.50');
    expect(conv(price, '10.5')).toBe('10.50');
    expect(conv(price, 10.5)).toBe('10.50');
    expect(conv(price, 10n)).toBe('10.00');
    expect(conv(price, '007.50')).toBe('7.50');
    expect(conv(price, '-0.00')).toBe('0.00');
    expect(conv(price, '.5')).toBe('0.50');
    const wide = col('decimal', { columnType: 'decimal(65,10)', precision: 65, scale: 10 });
    expect(conv(wide, '12345678901234567890123456789.0123456789')).toBe(
      '12345678901234567890123456789.0123456789',
    );
    expect(conv(col('decimal', { scale: 0 }), '42')).toBe('42');
  });

  it("the server's own text of random values comes back as it is; other spellings are made canonical", () => {
    let seed = 5;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const wide = col('decimal', { columnType: 'decimal(30,4)', precision: 30, scale: 4 });
    const whole = col('decimal', { columnType: 'decimal(20,0)', precision: 20, scale: 0 });
    for (let i = 0; i < 2000; i++) {
      // the oracle: the value's digits laid out by hand (sign only when not zero)
      const digits = BigInt(Math.floor(rand() * 10 ** Math.floor(rand() * 15))) * 10000n;
      const units = digits + BigInt(Math.floor(rand() * 10000));
      const negative = rand() < 0.3 && units !== 0n;
      const text = `${negative ? '-' : ''}${units / 10000n}.${String(units % 10000n).padStart(4, '0')}`;
      expect(conv(wide, text)).toBe(text);
      expect(conv(wide, `${negative ? '-' : ''}00${text.replace('-', '')}`)).toBe(text); // leading zeros
      const integer = `${negative ? '-' : ''}${units}`;
      expect(conv(whole, integer)).toBe(integer);
    }
    expect(conv(wide, '-0.0000')).toBe('0.0000');
    expect(conv(wide, '1.5')).toBe('1.5000');
    expect(conv(wide, '1.50000')).toBe('1.50000');
    expect(conv(wide, ' 1.5000 ')).toBe('1.5000');
    expect(conv(whole, '-0')).toBe('0');
    expect(conv(whole, '12.')).toBe('12');
  });

  it('is a number with decimal: number', () => {
    expect(conv(price, '10.50', { decimal: 'number' })).toBe(10.5);
    expect(conv(price, '-0.01', { decimal: 'number' })).toBe(-0.01);
  });

  it('rejects what is not a decimal', () => {
    fails(price, 'abc');
    fails(price, '.');
    fails(price, Number.NaN);
  });
});

describe('FLOAT and DOUBLE', () => {
  const f = col('float');
  it('FLOAT is the stored float32 as its shortest decimal (both readers give the float32 exactly)', () => {
    // the binlog's float32 and the exact SELECT (CAST AS DOUBLE) give the same number
    expect(conv(f, 123456792)).toBe(123456790);
    expect(conv(f, -851500.5)).toBe(-851500.5);
    expect(conv(f, 0.12345670163631439)).toBe(0.1234567);
    expect(conv(f, 1.100000023841858)).toBe(1.1);
    expect(conv(f, 0.10000000149011612)).toBe(0.1);
    expect(conv(f, 3.3999999521443642e38)).toBe(3.4e38);
    expect(conv(f, 3.4028234663852886e38)).toBe(3.4028235e38);
    expect(conv(f, 1.000000013351432e-10)).toBe(1e-10);
    expect(conv(f, 1.401298464324817e-45)).toBe(1e-45); // the smallest subnormal
    expect(conv(f, -1.5)).toBe(-1.5);
    expect(conv(f, '1.5')).toBe(1.5);
    // a value given as a double (an application's dual-write) is taken as the float32 it stores as
    expect(conv(f, 0.1)).toBe(0.1);
    expect(conv(f, 851500.3)).toBe(851500.3);
    expect(Object.is(conv(f, -0), 0)).toBe(true);
  });

  it('FLOAT(M,D) and DOUBLE(M,D) have exactly D decimals', () => {
    expect(conv(col('float', { scale: 4 }), 123.45670318603516)).toBe(123.4567);
    expect(conv(col('double', { scale: 3 }), 1.2349999999999999)).toBe(1.235);
  });

  it('DOUBLE is the number itself (the server prints the shortest round-trip form)', () => {
    expect(conv(col('double'), 0.30000000000000004)).toBe(0.30000000000000004);
    expect(conv(col('double'), '1e300')).toBe(1e300);
    expect(conv(col('double'), '977.1706419996917')).toBe(977.1706419996917);
    expect(conv(col('double'), 5e-324)).toBe(5e-324);
  });

  it('negative zero is 0 (JSON cannot carry it: the sink would write 0 anyway)', () => {
    expect(Object.is(conv(col('double'), -0), 0)).toBe(true);
    expect(Object.is(conv(col('float', { scale: 2 }), -0.001), 0)).toBe(true);
  });

  it('rejects NaN, infinities and non-numbers', () => {
    fails(f, Number.POSITIVE_INFINITY);
    fails(col('double'), 'x');
    fails(col('double'), '');
  });
});

describe('temporal types', () => {
  const dt = col('datetime', { fsp: 6 });
  const ts = col('timestamp', { fsp: 6 });

  it('DATE → YYYY-MM-DD; zero and partial-zero dates → null; impossible days fail', () => {
    expect(conv(col('date'), '2024-01-02')).toBe('2024-01-02');
    expect(conv(col('date'), '0000-00-00')).toBeNull();
    expect(conv(col('date'), '2024-00-10')).toBeNull();
    expect(conv(col('date'), '2024-05-00')).toBeNull();
    expect(conv(col('date'), '0000-01-01')).toBe('0000-01-01');
    expect(conv(col('date'), '2024-02-29')).toBe('2024-02-29');
    fails(col('date'), '2023-02-29');
    fails(col('date'), '2024-13-01');
    fails(col('date'), 'yesterday');
    fails(col('date'), 20240102);
  });

  it('DATETIME(6) → UTC ISO-8601 with microseconds', () => {
    expect(conv(dt, '2024-01-02 03:04:05.123456')).toBe('2024-01-02T03:04:05.123456Z');
    expect(conv(dt, '2024-01-02 03:04:05')).toBe('2024-01-02T03:04:05.000000Z');
    expect(conv(dt, '2024-01-02 03:04:05.5')).toBe('2024-01-02T03:04:05.500000Z');
    expect(conv(dt, '2024-01-02T03:04:05.123456789')).toBe('2024-01-02T03:04:05.123456Z');
    expect(conv(dt, '0000-00-00 00:00:00')).toBeNull();
    expect(conv(dt, '0000-00-00 00:00:00.000000')).toBeNull();
    expect(conv(dt, '9999-12-31 23:59:59.999999')).toBe('9999-12-31T23:59:59.999999Z');
    expect(conv(dt, '0045-06-07 08:09:10')).toBe('0045-06-07T08:09:10.000000Z');
    fails(dt, '2024-01-02 24:00:00');
  });

  it("DATETIME in UTC and TIMESTAMP: every calendar time in the readers' text, checked against Date", () => {
    // the oracle: Date's own UTC calendar (toISOString) for random instants of years 1–9999
    let seed = 17;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const first = new Date(0);
    first.setUTCFullYear(1, 0, 1); // Date.UTC would read year 1 as 1901
    const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 3000; i++) {
      const d = new Date(first.getTime() + Math.floor(rand() * (last - first.getTime())));
      const iso = d.toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ
      const digits = Math.floor(rand() * 7);
      const fraction = String(Math.floor(rand() * 1e6))
        .padStart(6, '0')
        .slice(0, digits);
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${digits > 0 ? `.${fraction}` : ''}`;
      const want = `${iso.slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
      expect(conv(dt, text)).toBe(want);
      expect(conv(dt, text, { datetimeZone: '+00:00' })).toBe(want);
      expect(conv(ts, text, { datetimeZone: '+08:00' })).toBe(want);
    }
    // the shapes and values the readers never give still go through the general parse
    expect(conv(dt, '2024-1-2 3:04:05')).toBe('2024-01-02T03:04:05.000000Z');
    expect(conv(dt, ' 2024-01-02 03:04:05.25 ')).toBe('2024-01-02T03:04:05.250000Z');
    expect(conv(ts, '2024-02-29 23:59:59.999999')).toBe('2024-02-29T23:59:59.999999Z');
    expect(conv(dt, '2024-05-00 00:00:00')).toBeNull();
    fails(dt, '2023-02-29 00:00:00');
    fails(ts, '2024-04-31 12:00:00.5');
    fails(dt, '2024-01-02 03:04:60');
    fails(dt, '2024-13-02 03:04:05');
    fails(ts, '2024-01-02 03:04:05.12x');
  });

  it('DATETIME is read in datetimeZone and converted to UTC', () => {
    expect(conv(dt, '2024-01-02 03:04:05.123456', { datetimeZone: '+08:00' })).toBe(
      '2024-01-01T19:04:05.123456Z',
    );
    expect(conv(dt, '2024-01-02 03:04:05.123456', { datetimeZone: 'Asia/Shanghai' })).toBe(
      '2024-01-01T19:04:05.123456Z',
    );
    expect(conv(dt, '2024-01-02 03:04:05', { datetimeZone: '-05:30' })).toBe('2024-01-02T08:34:05.000000Z');
    expect(conv(dt, '1000-01-01 00:00:00', { datetimeZone: '+01:00' })).toBe('0999-12-31T23:00:00.000000Z');
    // a value already marked UTC is an instant: no shift
    expect(conv(dt, '2024-01-02T03:04:05.123456Z', { datetimeZone: '+08:00' })).toBe(
      '2024-01-02T03:04:05.123456Z',
    );
  });

  it('DATETIME in an IANA zone: daylight saving overlap → earlier instant, gap → shifted forward', () => {
    const ny = { datetimeZone: 'America/New_York' };
    expect(conv(dt, '2024-07-01 12:00:00', ny)).toBe('2024-07-01T16:00:00.000000Z');
    expect(conv(dt, '2024-01-01 12:00:00', ny)).toBe('2024-01-01T17:00:00.000000Z');
    // 2024-11-03 01:30 happens twice (EDT then EST): the first, EDT (−4)
    expect(conv(dt, '2024-11-03 01:30:00', ny)).toBe('2024-11-03T05:30:00.000000Z');
    // 2024-03-10 02:30 does not exist; it becomes 03:30 EDT
    expect(conv(dt, '2024-03-10 02:30:00', ny)).toBe('2024-03-10T07:30:00.000000Z');
  });

  it('TIMESTAMP(6) is UTC whatever datetimeZone says; the zero timestamp → null', () => {
    expect(conv(ts, '2024-01-02 03:04:05.123456', { datetimeZone: '+08:00' })).toBe(
      '2024-01-02T03:04:05.123456Z',
    );
    expect(conv(ts, '1970-01-01 00:00:01.000000')).toBe('1970-01-01T00:00:01.000000Z');
    expect(conv(ts, '2038-01-19 03:14:07.999999')).toBe('2038-01-19T03:14:07.999999Z');
    expect(conv(ts, '0000-00-00 00:00:00.000000')).toBeNull();
    expect(conv(ts, '0000-00-00 00:00:00')).toBeNull();
  });

  it('a Date (a reader without dateStrings) is taken as the instant it is', () => {
    expect(conv(ts, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)))).toBe('2024-01-02T03:04:05.120000Z');
    expect(conv(dt, new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), { datetimeZone: '+08:00' })).toBe(
      '2024-01-02T03:04:05.000000Z',
    );
    fails(ts, new Date(Number.NaN));
  });

  it('TIME(6) → [-]HH:MM:SS.ffffff, beyond 24 h and negative', () => {
    const t = col('time', { fsp: 6 });
    expect(conv(t, '-838:59:59.000000')).toBe('-838:59:59.000000');
    expect(conv(t, '838:59:59')).toBe('838:59:59.000000');
    expect(conv(t, '-00:00:01.500000')).toBe('-00:00:01.500000');
    expect(conv(t, '-00:00:00.000001')).toBe('-00:00:00.000001');
    expect(conv(t, '12:00:00')).toBe('12:00:00.000000');
    expect(conv(t, '1:02:03.4')).toBe('01:02:03.400000');
    expect(conv(t, '-00:00:00')).toBe('00:00:00.000000');
    fails(t, '12:60:00');
    fails(t, 3600);
  });

  it('YEAR → number; the zero year → null (zongji reports it as 1900)', () => {
    const y = col('year');
    expect(conv(y, 2024)).toBe(2024);
    expect(conv(y, '2155')).toBe(2155);
    expect(conv(y, 1901)).toBe(1901);
    expect(conv(y, 0)).toBeNull();
    expect(conv(y, 1900)).toBeNull();
  });
});

describe('strings and bytes', () => {
  it('text columns keep utf8mb4 text intact: CJK, emoji, combining marks', () => {
    const s = col('varchar', { charset: 'utf8mb4' });
    for (const v of ['华为手机 Mate 60', '😀👍🏽', 'e\u0301', '', ' padded ']) expect(conv(s, v)).toBe(v);
    expect(conv(col('longtext'), '日本語テキスト')).toBe('日本語テキスト');
  });

  it('text given as bytes is decoded in the column charset', () => {
    expect(conv(col('varchar', { charset: 'utf8mb4' }), Buffer.from('华为😀'))).toBe('华为😀');
    expect(conv(col('varchar', { charset: 'latin1' }), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80]))).toBe(
      'café€',
    );
    expect(conv(col('varchar', { charset: 'gbk' }), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]))).toBe('你好');
    fails(col('varchar', { charset: 'nosuchcharset' }), Buffer.from('x'));
  });

  it('BINARY/VARBINARY/BLOB → base64; BINARY(n) zero-padded; a string is its UTF-8 bytes', () => {
    expect(conv(col('varbinary'), Buffer.from('xy\0'))).toBe('eHkA');
    expect(conv(col('blob'), Buffer.from([0, 255, 1]))).toBe('AP8B');
    expect(conv(col('binary', { length: 4 }), Buffer.from('ab'))).toBe(
      Buffer.from('ab\0\0').toString('base64'),
    );
    expect(conv(col('binary', { length: 4 }), Buffer.from('ab\0\0'))).toBe('YWIAAA==');
    expect(conv(col('longblob'), 'abc')).toBe('YWJj');
    expect(conv(col('blob'), new Uint8Array([1, 2]))).toBe('AQI=');
    expect(conv(col('blob'), { type: 'Buffer', data: [1, 2] })).toBe('AQI=');
    fails(col('blob'), 12);
  });

  it('BIT(n) → base64 of the big-endian bytes, ceil(n/8) long', () => {
    const bit10 = col('bit', { precision: 10 });
    expect(conv(bit10, Buffer.from([0x02, 0x01]))).toBe('AgE=');
    expect(conv(bit10, 513)).toBe('AgE=');
    expect(conv(bit10, Buffer.from([0x01]))).toBe('AAE=');
    const bit1 = col('bit', { precision: 1 });
    expect(conv(bit1, Buffer.from([1]))).toBe('AQ==');
    expect(conv(bit1, Buffer.from([0]))).toBe('AA==');
    expect(conv(bit1, true)).toBe('AQ==');
    expect(conv(col('bit', { precision: 64 }), 18446744073709551615n)).toBe('//////////8=');
    fails(bit10, 4096);
  });

  it('ENUM → string (an index is resolved); SET → array of members', () => {
    const e = col('enum', { enumValues: ['x', 'y'] });
    expect(conv(e, 'y')).toBe('y');
    expect(conv(e, 2)).toBe('y');
    expect(conv(e, 0)).toBe('');
    fails(e, 3);
    const s = col('set', { setValues: ['a', 'b', 'c'] });
    expect(conv(s, 'a,c')).toEqual(['a', 'c']);
    expect(conv(s, '')).toEqual([]);
    expect(conv(s, 5)).toEqual(['a', 'c']);
    expect(conv(s, ['b'])).toEqual(['b']);
    fails(s, 8);
  });

  it('JSON text is parsed, 64-bit integers kept exact; decoded values pass through', () => {
    const j = col('json');
    expect(conv(j, '{"a":12345678901234567890,"b":[1,2.50],"s":"12345678901234567890"}')).toEqual({
      a: '12345678901234567890',
      b: [1, 2.5],
      s: '12345678901234567890',
    });
    expect(conv(j, '{"c": 1.0, "d":"x", "n": null}')).toEqual({ c: 1, d: 'x', n: null });
    expect(conv(j, '"text"')).toBe('text');
    expect(conv(j, '[-9007199254740993, 9007199254740991, 1e400]')).toEqual([
      '-9007199254740993',
      9007199254740991,
      Infinity,
    ]);
    expect(conv(j, '{"esc\\"aped 12345678901234567890": 1}')).toEqual({ 'esc"aped 12345678901234567890': 1 });
    expect(conv(j, Buffer.from('{"k":[true]}'))).toEqual({ k: [true] });
    expect(conv(j, { a: 1n, b: 2n ** 64n, c: [Buffer.from('x')] })).toEqual({
      a: 1,
      b: '18446744073709551616',
      c: ['eA=='],
    });
    expect(conv(j, 'null')).toBeNull();
    expect(fails(j, '{"a":')).toMatch(/invalid JSON/);
  });
});

describe('MariaDB types and fallbacks', () => {
  it('UUID, INET4, INET6 from bytes (the binlog) or text (queries)', () => {
    const hex = '123e4567e89b12d3a456426614174000';
    expect(conv(col('uuid'), Buffer.from(hex, 'hex'))).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(conv(col('uuid'), '123E4567-E89B-12D3-A456-426614174000')).toBe(
      '123e4567-e89b-12d3-a456-426614174000',
    );
    expect(conv(col('inet4'), Buffer.from([1, 2, 3, 4]))).toBe('1.2.3.4');
    const v6 = (s: string) => conv(col('inet6'), Buffer.from(s, 'hex'));
    expect(v6('00000000000000000000000000000001')).toBe('::1');
    expect(v6('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(v6('00000000000000000000ffff01020304')).toBe('::ffff:1.2.3.4');
    expect(v6('20010db8000100000001000000000001')).toBe('2001:db8:1:0:1::1');
    expect(conv(col('inet6'), '2001:db8::1')).toBe('2001:db8::1');
  });

  it('VECTOR → array of float32', () => {
    const b = Buffer.alloc(8);
    b.writeFloatLE(1.5, 0);
    b.writeFloatLE(-2, 4);
    expect(conv(col('vector'), b)).toEqual([1.5, -2]);
  });

  it('NULL stays null for every type', () => {
    for (const t of [
      'int',
      'bigint',
      'decimal',
      'float',
      'date',
      'datetime',
      'timestamp',
      'time',
      'year',
      'json',
      'set',
      'bit',
      'blob',
      'varchar',
      'unknown',
    ]) {
      expect(conv(col(t), null)).toBeNull();
      expect(conv(col(t), undefined)).toBeNull();
    }
  });

  it('a column without a descriptor is converted best effort, never failing', () => {
    const u = col('unknown');
    expect(conv(u, 'text')).toBe('text');
    expect(conv(u, 12)).toBe(12);
    expect(conv(u, 2n ** 63n)).toBe('9223372036854775808');
    expect(conv(u, Buffer.from('hi'))).toBe('aGk=');
    expect(conv(u, new Date(Date.UTC(2024, 0, 2)))).toBe('2024-01-02T00:00:00.000Z');
    expect(conv(u, Number.NaN)).toBeNull();
    expect(conv(u, { a: [1n, undefined] })).toEqual({ a: [1, null] });
  });

  it('the error carries the column, its type and a short preview of the value', () => {
    const c = col('int', { name: 'qty', columnType: 'int(11)' });
    const e = (() => {
      try {
        conv(c, 'x'.repeat(500));
      } catch (err) {
        return err as ConversionError;
      }
    })();
    expect(e).toBeInstanceOf(ConversionError);
    expect(e?.column).toBe('qty');
    expect(e?.columnType).toBe('int(11)');
    expect(e?.value.length).toBeLessThanOrEqual(120);
  });
});

describe('the two readers produce the same document', () => {
  // Values as observed from mysql2 (dateStrings, bigNumberStrings, jsonStrings; session time_zone UTC;
  // rows read through readRows, so FLOAT arrives as its exact float32)
  // and from @vlasky/zongji 0.9.0 (dateStrings, timezone 'Z', jsonStrings) for the same MariaDB rows.
  const cases: Array<[ReturnType<typeof col>, unknown, unknown]> = [
    [col('bigint', { unsigned: true }), '1', 1],
    [col('bigint', { unsigned: true }), '18446744073709551615', '18446744073709551615'],
    [col('float'), 123456792, 123456792],
    [col('float'), 0.12345670163631439, 0.12345670163631439],
    [col('float'), 1.100000023841858, 1.100000023841858],
    [col('float', { scale: 4 }), 123.4567, 123.45670318603516],
    [col('double', { scale: 3 }), 1.235, 1.2349999999999999],
    [col('year'), 0, 1900],
    [col('timestamp', { fsp: 6 }), '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00.000000'],
    [col('json'), '{"a":12345678901234567890,"b":[1,2.50]}', '{"a":12345678901234567890,"b":[1,2.50]}'],
    [
      col('uuid'),
      '123e4567-e89b-12d3-a456-426614174000',
      Buffer.from('123e4567e89b12d3a456426614174000', 'hex'),
    ],
    [col('inet4'), '1.2.3.4', Buffer.from([1, 2, 3, 4])],
  ];
  it.each(cases.map(([c, s, b]) => ({ c, s, b })))('$c.type $s', ({ c, s: snapshot, b: binlog }) => {
    expect(conv(c, binlog)).toEqual(conv(c, snapshot));
  });
});
