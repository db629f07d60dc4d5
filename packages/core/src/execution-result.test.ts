import { describe, expect, it } from 'vitest';
import { completionTimeOf, ExecutionResultSchema } from './execution-result.js';

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
