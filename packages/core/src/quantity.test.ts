import { describe, expect, it } from 'vitest';
import { compareExact, exactQuantity, quantityPattern, quantitySuffixes } from './quantity.js';

/** `a` compared with `b` as Quantity.Cmp compares them once parsed. */
function compare(a: string, b: string): number {
  const left = exactQuantity(a);
  const right = exactQuantity(b);
  if (left === undefined || right === undefined) throw new Error(`${a} or ${b} is no quantity`);
  return compareExact(left, right);
}

describe('exactQuantity', () => {
  it("reads apimachinery's suffixes, binary, decimal and exponents, exactly", () => {
    const nanos = (quantity: string) => {
      const exact = exactQuantity(quantity);
      return exact && (exact.n * 10n ** 9n) / exact.d;
    };
    expect(nanos('500m')).toBe(500_000_000n);
    expect(nanos('2')).toBe(2_000_000_000n);
    expect(nanos('1Gi')).toBe(2n ** 30n * 10n ** 9n);
    expect(nanos('1E')).toBe(10n ** 27n);
    expect(nanos('1e3')).toBe(10n ** 12n);
    expect(nanos('1e-3')).toBe(10n ** 6n);
    expect(nanos('.5Ki')).toBe(512n * 10n ** 9n);
    expect(nanos('1.')).toBe(10n ** 9n);
    expect(nanos('+1')).toBe(10n ** 9n);
    for (const quantity of ['-1', '1 Gi', '1e1.5', '1e.5', '.', '', 'Ki', '1KI', '1e']) {
      expect(exactQuantity(quantity), quantity).toBeUndefined();
    }
  });

  it.each([
    ['700m', '0.7'],
    ['1400m', '1.4'],
    ['9m', '0.009'],
    ['1900m', '1.9'],
    ['2300m', '2.3'],
    ['1k', '1e3'],
    ['1Ki', '1024'],
    ['1.5Gi', '1536Mi'],
    ['0', '0e400'],
  ])('holds %s equal to %s, as Quantity.Cmp does', (a, b) => {
    expect(compare(a, b)).toBe(0);
    expect(compare(b, a)).toBe(0);
  });

  it('tells apart quantities past 2^53 that differ by one', () => {
    expect(compare('9007199254740993', '9007199254740992')).toBe(1);
    expect(compare('9007199254740992', '9007199254740993')).toBe(-1);
    expect(compare('1e400', '2e400')).toBe(-1);
  });

  it('rounds a part below the nano-unit up, as ParseQuantity does', () => {
    expect(compare('0.1n', '1n')).toBe(0);
    expect(compare('1.0000000001', '1.000000001')).toBe(0);
    expect(compare('1.0000000001', '1')).toBe(1);
    expect(exactQuantity('1e-400')?.n).toBe(1n);
  });

  it('caps a binary quantity at 2^63-1, as ParseQuantity does, and no decimal one', () => {
    expect(compare('8Ei', '16Ei')).toBe(0);
    expect(compare('16Ei', '9223372036854775807')).toBe(0);
    expect(compare('7Ei', '8Ei')).toBe(-1);
    expect(compare('10E', '20E')).toBe(-1);
  });
});

describe('quantityPattern', () => {
  const pattern = new RegExp(quantityPattern);

  it('takes every quantity exactQuantity reads, a leading + included, and no negative one', () => {
    for (const quantity of ['1', '+1', '+500m', '1.', '.5', '1.5Gi', '1e3', '1E-3', '2E', '0']) {
      expect(pattern.test(quantity), quantity).toBe(true);
      expect(exactQuantity(quantity), quantity).toBeDefined();
    }
    for (const quantity of ['-1', '++1', '+', '1e1.5', '1 Gi', '1KI']) {
      expect(pattern.test(quantity), quantity).toBe(false);
    }
  });

  it('takes an exponent of up to three digits past leading zeros, never one that takes seconds to read', () => {
    for (const quantity of ['1e999', '1e-999', '1e+0999', '1e00000000000001']) {
      expect(pattern.test(quantity), quantity).toBe(true);
      expect(exactQuantity(quantity), quantity).toBeDefined();
    }
    expect(compare('1e999', '2e999')).toBe(-1);
    for (const quantity of ['1e1000', '1e-1000', '1e99999999', '1e-99999999']) {
      expect(pattern.test(quantity), quantity).toBe(false);
      expect(exactQuantity(quantity), quantity).toBeUndefined();
    }
  });
});

describe('quantitySuffixes', () => {
  it('multiplies by what apimachinery reads each suffix as', () => {
    for (const [suffix, multiplier] of quantitySuffixes) {
      expect(compareExact(multiplier, exactQuantity(`1${suffix}`) ?? { n: 0n, d: 1n })).toBe(0);
    }
    expect(quantitySuffixes.get('Ki')).toEqual({ n: 1024n, d: 1n });
    expect(quantitySuffixes.get('m')).toEqual({ n: 1n, d: 1000n });
    expect([...quantitySuffixes.keys()].sort()).toEqual(
      ['', 'E', 'Ei', 'G', 'Gi', 'Ki', 'M', 'Mi', 'P', 'Pi', 'T', 'Ti', 'k', 'm', 'n', 'u'].sort(),
    );
  });
});
