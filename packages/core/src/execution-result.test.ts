import { describe, expect, it } from 'vitest';
import {
  completionTimeOf,
  ExecutionResultSchema,
  graceRecheckAfterMs,
} from './execution-result.js';

describe('completionTimeOf', () => {
  it('passes on an RFC 3339 time, which the result schema then accepts', () => {
    for (const time of ['2026-12-03T10:05:07Z', '2026-12-03T10:05:07.123456+02:00']) {
      expect(completionTimeOf(time)).toBe(time);
      expect(
        ExecutionResultSchema.safeParse({
          phase: 'Completed',
          reason: 'Complete',
          message: '',
          summary: { status: 'True' },
          completionTime: completionTimeOf(time),
        }).success,
      ).toBe(true);
    }
  });

  it('drops anything else: a result never carries a time its schema refuses', () => {
    for (const time of [undefined, null, '', 'yesterday', '2026-12-03 10:05:07', 1733220307]) {
      expect(completionTimeOf(time)).toBeUndefined();
    }
  });
});

describe('ExecutionResultSchema recheckAfterMs', () => {
  const running = {
    phase: 'Running',
    reason: 'Running',
    message: '',
    summary: { status: 'Unknown' },
  } as const;

  it('takes a whole number of milliseconds, however far off', () => {
    for (const recheckAfterMs of [1, 14_000, Number.MAX_SAFE_INTEGER]) {
      expect(ExecutionResultSchema.safeParse({ ...running, recheckAfterMs }).success).toBe(true);
    }
  });

  it('refuses a hint that would have a controller look again at once, or never', () => {
    for (const recheckAfterMs of [0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '5000']) {
      expect(ExecutionResultSchema.safeParse({ ...running, recheckAfterMs }).success).toBe(false);
    }
  });
});

describe('graceRecheckAfterMs', () => {
  it('asks for a look a second past the end of a grace still running, and none once it ran out', () => {
    expect(graceRecheckAfterMs(10_000, 4_000)).toBe(7_000);
    expect(graceRecheckAfterMs(10_000, 9_999.5)).toBe(1_001);
    expect(graceRecheckAfterMs(10_000, 10_000)).toBeUndefined();
    expect(graceRecheckAfterMs(10_000, 12_000)).toBeUndefined();
    expect(graceRecheckAfterMs(Number.NaN, 0)).toBeUndefined();
  });
});
