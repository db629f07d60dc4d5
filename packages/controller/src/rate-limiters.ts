import { ConfigurationError } from '@roundhouse/core';
import { type Clock, systemClock } from './clock.js';

/** Decides how long a key waits before it is retried; client-go's `RateLimiter`. */
export interface RateLimiter<K> {
  /** The delay in ms before `key` is processed again; counts as one more retry. */
  when(key: K): number;
  /** Stops tracking `key`: its next failure starts from the base delay again. */
  forget(key: K): void;
  /** How many times `key` has been retried since it was last forgotten. */
  retries(key: K): number;
}

/** Per key: `baseMs`, doubling on every failure, capped at `maxMs`. */
export class ExponentialBackoffRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) {
      throw new ConfigurationError({
        path: 'baseMs, maxMs',
        message: `expected 0 < baseMs <= maxMs, got ${baseMs} and ${maxMs}`,
      });
    }
  }

  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.baseMs * 2 ** failures, this.maxMs);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  retries(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * One bucket for all keys: `burst` retries at once, then `qps` per second. It caps the retry
 * rate of the whole queue when many keys fail together (say, the API server is down).
 */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  #tokens: number;
  #last: number;

  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) {
      throw new ConfigurationError({
        path: 'qps, burst',
        message: `expected qps > 0 and burst >= 1, got ${qps} and ${burst}`,
      });
    }
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
    this.#last = now;
    // Tokens may go negative: each caller reserves the next free slot, as golang.org/x/time/rate.
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  forget(_key: K): void {}

  retries(_key: K): number {
    return 0;
  }
}

/** The longest delay of several limiters; every limiter sees every call. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    return this.#limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(key)), 0);
  }

  forget(key: K): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  retries(key: K): number {
    return this.#limiters.reduce((most, limiter) => Math.max(most, limiter.retries(key)), 0);
  }
}

/** client-go's default: per key 5 ms doubling to 1000 s, overall 10 qps with a burst of 100. */
export function defaultControllerRateLimiter<K>(clock: Clock = systemClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ExponentialBackoffRateLimiter<K>(5, 1_000_000),
    new TokenBucketRateLimiter<K>(10, 100, clock),
  );
}
