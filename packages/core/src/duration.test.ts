import { describe, expect, it } from 'vitest';
import {
  formatGoDuration,
  goDurationPattern,
  isGoDuration,
  parseGoDuration,
  parseTimeout,
} from './duration.js';

describe('Go durations', () => {
  it.each([
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['2h45m30.5s', 9_930_500],
    ['0', 0],
    ['-5s', -5_000],
    ['.5s', 500],
    ['1500us', 1.5],
  ])('parses %s', (text, ms) => {
    expect(isGoDuration(text)).toBe(true);
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', '30', '1d', '30 m', 'm', '1h 30m', 'abc', '1.2.3s'])('rejects %j', (text) => {
    expect(isGoDuration(text)).toBe(false);
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('refuses a long run of digits at once: the pattern runs on what authors write', () => {
    const digits = `${'1'.repeat(1_000_000)}x`;
    const started = performance.now();
    expect(goDurationPattern.test(digits)).toBe(false);
    expect(isGoDuration(digits)).toBe(false);
    // Linear, this takes milliseconds; the quadratic spelling it replaced took about 17 minutes.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    [0, '0s'],
    [59_400, '59s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [3_723_000, '1h2m3s'],
  ])('formats %d ms as %s, like Go rounded to seconds', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('parseTimeout', () => {
  it('gives milliseconds of a positive duration', () => {
    expect(parseTimeout('1h30m', 'spec.executionConfig.timeout')).toBe(5_400_000);
  });

  it.each(['0', '-5m', '5 minutes', '0.5ns', '99999999999999999999h', `${'9'.repeat(400)}h`])(
    'refuses %s, naming the field',
    (value) => {
      expect(() => parseTimeout(value, 'spec.executionConfig.timeout')).toThrow(
        expect.objectContaining({
          reason: 'ConfigurationError',
          issues: [expect.objectContaining({ path: 'spec.executionConfig.timeout' })],
        }),
      );
    },
  );
});
