import { describe, expect, it } from 'vitest';
import { age, humanDuration } from './humanize.js';

describe('humanDuration', () => {
  it.each([
    [-5_000, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3_600_000, '3h'],
    [3 * 3_600_000 + 5 * 60_000, '3h5m'],
    [47 * 3_600_000, '47h'],
    [50 * 3_600_000, '2d2h'],
    [10 * 86_400_000, '10d'],
    [800 * 86_400_000, '2y70d'],
    [9 * 365 * 86_400_000, '9y'],
  ])('%d ms reads %s, as kubectl prints it', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('gives the age of a timestamp, or says it is unknown', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    expect(age('2026-01-01T00:00:00Z', now)).toBe('10m');
    expect(age(undefined, now)).toBe('<unknown>');
  });
});
