import {
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  TokenBucketRateLimiter,
} from '@roundhouse/controller';

/**
 * How long a TaskAction whose reconcile failed waits: the workqueue's doubling backoff from 5 ms,
 * but never longer than the requeue period, as Flyte's executor requeues a failed abort, cache
 * call or context build after `requeueDuration`. A deletion whose Aborted event the sink refuses
 * keeps being tried as often as a running action is looked at, instead of drifting towards the
 * workqueue's 1000 s. The overall 10 qps (burst 100) of client-go's default still holds, so an
 * outage that fails every key does not turn into a storm.
 */
export function requeueBoundedRateLimiter(requeueMs: number): RateLimiter<string> {
  return new MaxOfRateLimiter<string>(
    new ExponentialBackoffRateLimiter<string>(Math.min(5, requeueMs), requeueMs),
    new TokenBucketRateLimiter<string>(10, 100),
  );
}
