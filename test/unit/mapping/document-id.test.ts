import { describe, expect, it } from 'vitest';
import { documentId, escapeIdPart, idPart, splitDocumentId } from '../../../src/mapping/document-id.js';
import { isConversionError } from '../../../src/mapping/errors.js';

describe('document ids', () => {
  it('a single key is its string form, unescaped', () => {
    expect(documentId([42])).toBe('42');
    expect(documentId(['sku|1\\x'])).toBe('sku|1\\x');
    expect(documentId(['18446744073709551615'])).toBe('18446744073709551615');
    expect(documentId(['10.50'])).toBe('10.50');
    expect(documentId(['华为'])).toBe('华为');
  });

  it('composite keys are joined by | with | and \\ escaped by \\', () => {
    expect(documentId([42, 'en'])).toBe('42|en');
    expect(documentId(['a|b', 'c'])).toBe('a\\|b|c');
    expect(documentId(['a', 'b|c'])).toBe('a|b\\|c');
    expect(documentId(['a\\', 'b'])).toBe('a\\\\|b');
    expect(documentId(['', 'x'])).toBe('|x');
    // distinct keys never collide
    const keys = [
      ['a|b', 'c'],
      ['a', 'b|c'],
      ['a\\', '|c'],
      ['a\\|', 'c'],
    ];
    expect(new Set(keys.map((k) => documentId(k))).size).toBe(keys.length);
  });

  it('splitDocumentId inverts composite ids', () => {
    for (const parts of [
      ['a|b', 'c'],
      ['a\\', 'b'],
      ['', ''],
      ['x', 'y|\\z', '3'],
    ]) {
      expect(splitDocumentId(documentId(parts), parts.length)).toEqual(parts);
    }
    expect(splitDocumentId('a|b', 1)).toEqual(['a|b']);
  });

  it('string forms of converted values', () => {
    expect(idPart(1n)).toBe('1');
    expect(idPart(true)).toBe('true');
    expect(idPart(['a', 'b'])).toBe('["a","b"]');
    expect(idPart(Buffer.from('hi'))).toBe('aGk=');
    expect(escapeIdPart('a|b\\c')).toBe('a\\|b\\\\c');
  });

  it('null keys, empty ids and ids over 512 bytes are conversion errors', () => {
    for (const bad of [[null], [], [''], ['x'.repeat(513)], ['界'.repeat(171)], [Number.NaN]]) {
      let err: unknown;
      try {
        documentId(bad);
      } catch (e) {
        err = e;
      }
      expect(isConversionError(err), JSON.stringify(bad)).toBe(true);
    }
    expect(documentId(['x'.repeat(512)])).toHaveLength(512);
  });
});
