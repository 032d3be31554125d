import { describe, expect, it } from 'vitest';
import { float32Number, float32Text } from '../../../src/mapping/exact-numbers.js';

/** A float32 from its bit pattern. */
const bits = (u: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(u >>> 0);
  return b.readFloatBE(0);
};

describe('float32Text: the shortest decimal that reads back as the same float32', () => {
  it('known values', () => {
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(-851500.5))).toBe('-851500.5');
    expect(float32Text(Math.fround(123456789))).toBe('123456790');
    expect(float32Text(bits(0x7f7fffff))).toBe('3.4028235e+38'); // the largest float32
    expect(float32Text(bits(0x00000001))).toBe('1e-45'); // the smallest subnormal
    expect(float32Text(bits(0x00800000))).toBe('1.1754944e-38'); // the smallest normal
    expect(float32Text(0)).toBe('0');
    expect(float32Text(-0)).toBe('0');
  });

  it('reads back exactly and no shorter decimal does, for random bit patterns', () => {
    for (let i = 0; i < 20_000; i++) {
      const f = bits(Math.floor(Math.random() * 2 ** 32));
      if (!Number.isFinite(f) || f === 0) continue;
      const s = float32Text(f);
      expect(Math.fround(Number(s))).toBe(f);
      const digits = s
        .replace(/^-/, '')
        .replace(/e.*$/, '')
        .replace('.', '')
        .replace(/^0+/, '')
        .replace(/0+$/, '');
      if (digits.length > 1) {
        const shorter = Number(f.toPrecision(digits.length - 1));
        expect(Math.fround(shorter), `${f} has a shorter form than ${s}`).not.toBe(f);
      }
    }
  });

  it('float32Number takes any double to the float32 it stores as', () => {
    expect(float32Number(0.1)).toBe(0.1);
    expect(float32Number(1.100000023841858)).toBe(1.1);
    expect(Object.is(float32Number(-0), 0)).toBe(true);
  });
});
