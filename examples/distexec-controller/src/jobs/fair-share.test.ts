import { describe, expect, it } from 'vitest';
import { nextInLine } from './fair-share.js';

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
