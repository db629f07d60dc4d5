import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import {
  defaultControllerRateLimiter,
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from './rate-limiters.js';

describe('ExponentialBackoffRateLimiter', () => {
  it('doubles per failure of a key up to the cap, independently per key', () => {
    const limiter = new ExponentialBackoffRateLimiter<string>(5, 100);
    expect(Array.from({ length: 7 }, () => limiter.when('a'))).toEqual([
      5, 10, 20, 40, 80, 100, 100,
    ]);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.retries('a')).toBe(7);
    expect(limiter.retries('b')).toBe(1);
  });

  it('starts over after forget', () => {
    const limiter = new ExponentialBackoffRateLimiter<string>();
    limiter.when('a');
    limiter.when('a');
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });

  it('reaches the default cap of 1000 s and stays there', () => {
    const limiter = new ExponentialBackoffRateLimiter<string>();
    const delays = Array.from({ length: 40 }, () => limiter.when('a'));
    expect(delays[17]).toBe(5 * 2 ** 17);
    expect(delays[18]).toBe(1_000_000);
    expect(delays.at(-1)).toBe(1_000_000);
  });

  it('rejects a base above the cap', () => {
    expect(() => new ExponentialBackoffRateLimiter(10, 5)).toThrow(ConfigurationError);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through, then spaces calls at qps, refilling over time', () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketRateLimiter<string>(2, 3, clock);
    expect([limiter.when('a'), limiter.when('b'), limiter.when('c')]).toEqual([0, 0, 0]);
    expect([limiter.when('d'), limiter.when('e')]).toEqual([500, 1000]);
    clock.advance(2_500);
    // 5 tokens' worth refilled, 2 owed: 3 left, capped at the burst.
    expect([limiter.when('f'), limiter.when('g'), limiter.when('h')]).toEqual([0, 0, 0]);
    expect(limiter.when('i')).toBe(500);
    expect(limiter.retries('i')).toBe(0);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new TokenBucketRateLimiter(0, 1)).toThrow(ConfigurationError);
  });
});

describe('MaxOfRateLimiter and the default', () => {
  it('takes the longest delay, forgets in every limiter and reports the most retries', () => {
    const clock = new ManualClock();
    const limiter = new MaxOfRateLimiter<string>(
      new ExponentialBackoffRateLimiter(5, 1_000),
      new TokenBucketRateLimiter(1, 1, clock),
    );
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('a')).toBe(1_000);
    expect(limiter.retries('a')).toBe(2);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
  });

  it('by default, caps many failing keys at 10 per second after a burst of 100', () => {
    const clock = new ManualClock();
    const limiter = defaultControllerRateLimiter<string>(clock);
    const delays = Array.from({ length: 102 }, (_, i) => limiter.when(`key-${i}`));
    expect(delays.slice(0, 100).every((d) => d === 5)).toBe(true);
    expect(delays.slice(100)).toEqual([100, 200]);
  });
});
