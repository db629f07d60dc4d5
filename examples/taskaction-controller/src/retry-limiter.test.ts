import { describe, expect, it } from 'vitest';
import { requeueBoundedRateLimiter } from './retry-limiter.js';

describe('requeueBoundedRateLimiter', () => {
  it('backs off by doubling, but never past the requeue period, however often a key fails', () => {
    const limiter = requeueBoundedRateLimiter(10_000);
    const delays = Array.from({ length: 30 }, () => limiter.when('ns/run1-a1'));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(Math.max(...delays)).toBe(10_000);
    expect(delays.at(-1)).toBe(10_000);
  });

  it('starts a key from the shortest delay again once it succeeded', () => {
    const limiter = requeueBoundedRateLimiter(10_000);
    for (let i = 0; i < 20; i++) limiter.when('ns/run1-a1');
    limiter.forget('ns/run1-a1');
    expect(limiter.when('ns/run1-a1')).toBe(5);
  });
});
