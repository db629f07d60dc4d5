import { describe, expect, it } from 'vitest';
import { type Claimant, nextInLine, shareOf } from './fair-share.js';

describe('the next DistExec of a namespace to get a free slot', () => {
  it('is the one holding the fewest, so a DistExec of many nodes cannot keep every slot', () => {
    expect(
      nextInLine([
        { key: 'ops/large', createdAt: '2026-01-01T00:00:00Z', holds: 500 },
        { key: 'ops/small', createdAt: '2026-01-01T00:05:00Z', holds: 0 },
      ]),
    ).toBe('ops/small');
  });

  it('among those holding as many, is the oldest, then the first by name', () => {
    expect(
      nextInLine([
        { key: 'ops/b', createdAt: '2026-01-01T00:02:00Z', holds: 1 },
        { key: 'ops/a', createdAt: '2026-01-01T00:03:00Z', holds: 1 },
        { key: 'ops/c', createdAt: '2026-01-01T00:01:00Z', holds: 1 },
      ]),
    ).toBe('ops/c');
    expect(
      nextInLine([
        { key: 'ops/b', createdAt: '2026-01-01T00:00:00Z', holds: 0 },
        { key: 'ops/a', createdAt: '2026-01-01T00:00:00Z', holds: 0 },
      ]),
    ).toBe('ops/a');
  });

  it('is no one when no DistExec waits', () => {
    expect(nextInLine([])).toBeUndefined();
  });
});

/** Each claimant's part of `free` slots dealt one at a time to the one next in line. */
function dealt(claimants: readonly Claimant[], free: number): Map<string, number> {
  const parts = new Map(claimants.map(({ key }) => [key, 0]));
  for (let slot = 0; slot < free; slot += 1) {
    const next = nextInLine(
      claimants.map((c) => ({ ...c, holds: c.holds + (parts.get(c.key) ?? 0) })),
    );
    if (next !== undefined) parts.set(next, (parts.get(next) ?? 0) + 1);
  }
  return parts;
}

describe("a DistExec's part of the free slots of a namespace", () => {
  const at = (minute: number) => `2026-01-01T00:0${minute}:00Z`;

  it('is half of them with two asking, so one reconcile fills its half, not one slot', () => {
    const asking = [
      { key: 'ops/a', createdAt: at(0), holds: 0 },
      { key: 'ops/b', createdAt: at(1), holds: 0 },
    ];
    expect(shareOf(asking, 10, 'ops/a')).toBe(5);
    expect(shareOf(asking, 10, 'ops/b')).toBe(5);
  });

  it('is none of a slot a large DistExec frees while a later one holds fewer', () => {
    const asking = [
      { key: 'ops/large', createdAt: at(0), holds: 499 },
      { key: 'ops/small', createdAt: at(5), holds: 0 },
    ];
    expect(shareOf(asking, 1, 'ops/large')).toBe(0);
    expect(shareOf(asking, 1, 'ops/small')).toBe(1);
    // The small one's part reaches the large one's holding before the large one gets any.
    expect(shareOf(asking, 501, 'ops/small')).toBe(500);
    expect(shareOf(asking, 501, 'ops/large')).toBe(1);
  });

  it('gives what does not divide evenly to the oldest, and none to a DistExec not asking', () => {
    const asking = [
      { key: 'ops/c', createdAt: at(2), holds: 0 },
      { key: 'ops/a', createdAt: at(0), holds: 0 },
      { key: 'ops/b', createdAt: at(1), holds: 0 },
    ];
    expect(asking.map(({ key }) => shareOf(asking, 10, key))).toEqual([3, 4, 3]);
    expect(shareOf(asking, 10, 'ops/d')).toBe(0);
    expect(shareOf(asking, 0, 'ops/a')).toBe(0);
  });

  it('is the part dealing the slots one at a time to the next in line gives', () => {
    const holdings = [
      [0, 0, 0],
      [3, 0, 1],
      [2, 2, 0],
      [5, 1, 1],
      [0, 7, 3],
    ];
    for (const holds of holdings) {
      const asking = holds.map((held, i) => ({
        key: `ops/${'zyx'[i]}`,
        createdAt: at(i % 2),
        holds: held,
      }));
      for (let free = 0; free <= 12; free += 1) {
        const parts = dealt(asking, free);
        for (const { key } of asking) {
          expect({ holds, free, key, part: shareOf(asking, free, key) }).toEqual({
            holds,
            free,
            key,
            part: parts.get(key),
          });
        }
      }
    }
  });
});
