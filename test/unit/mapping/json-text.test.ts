import { describe, expect, it } from 'vitest';
import { parseJsonText } from '../../../src/mapping/json-text.js';

describe('lossless JSON text', () => {
  it('keeps integers beyond 2^53 exact and leaves everything else to JSON.parse', () => {
    expect(
      parseJsonText('{"id":18446744073709551615,"n":-9223372036854775808,"ok":9007199254740991}'),
    ).toEqual({
      id: '18446744073709551615',
      n: '-9223372036854775808',
      ok: 9007199254740991,
    });
    // fractions and exponents are doubles in JSON's own terms: left to JSON.parse
    const text = '[1.23456789012345678, 1e21, 12345678901234567890e2]';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
    expect(parseJsonText('{"s":"1234567890123456789 \\" 98765432109876543210"}')).toEqual({
      s: '1234567890123456789 " 98765432109876543210',
    });
    expect(() => parseJsonText('{"a":12345678901234567890')).toThrow();
  });

  it('keeps every long literal exact in the long-numbers mode (ingest), exponents aside', () => {
    expect(
      parseJsonText(
        '[9007199254740991, 12345678901234567.89, 0.0000012345678901234567, 1.5, 1234567890123456789e2]',
        'long-numbers',
      ),
    ).toEqual([
      '9007199254740991',
      '12345678901234567.89',
      '0.0000012345678901234567',
      1.5,
      123456789012345680000,
    ]);
    // leading zeros are not significant: 15 digits after them stay a number
    expect(parseJsonText('[0.000000123456789012345]', 'long-numbers')).toEqual([0.000000123456789012345]);
  });
});
