import type { ErrorState } from './error-state.js';

/**
 * Two separate retry budgets, as Flyte's executor keeps them, and a ceiling over both:
 *
 * - **attempts**: a USER failure (the task ran and failed) starts the next attempt in place,
 *   until `maxAttempts` (the task's `retries + 1`) have failed;
 * - **consecutive system failures**: a SYSTEM failure relaunches the same attempt after a
 *   backoff, until more than `maxSystemFailures` happened in a row. Only the execution itself
 *   moving forward resets the count (see `ActionStatus`), never the controller's own relaunch;
 * - **relaunches over the action's life**: never reset, so an attempt that runs and is then
 *   lost again and again (a task that fills its node's disk until the kubelet evicts it, which
 *   resets the count in a row every lap) still ends after `maxRelaunches`.
 */
export interface RetryPolicy {
  /** Attempts a task may use: its `retries + 1`. */
  readonly maxAttempts: number;
  /** Consecutive system failures tolerated; the next one fails the action. Default 3. */
  readonly maxSystemFailures?: number | undefined;
  /** System relaunches over the action's life; the next system failure fails it. Default 20. */
  readonly maxRelaunches?: number | undefined;
  /** Wait before relaunching after the n-th system failure in a row: doubling. Default 10 s to 5 min. */
  readonly systemBackoffMs?: { readonly initial: number; readonly max: number } | undefined;
}

export const defaultMaxSystemFailures = 3;
export const defaultMaxRelaunches = 20;
const defaultSystemBackoffMs = { initial: 10_000, max: 300_000 };

/** Codes of the failures the budgets themselves produce. */
export const retryCodes = {
  maxRetriesExceeded: 'MaxRetriesExceeded',
  maxSystemFailuresExceeded: 'MaxSystemFailuresExceeded',
} as const;

/** A classified failure: `retryable: false` ends the action at once, whatever the budgets say. */
export interface Failure extends ErrorState {
  readonly retryable: boolean;
}

export interface RetryCounters {
  /** The attempt that failed, counted from 1. */
  readonly attempts: number;
  /** System failures in a row before this one. */
  readonly systemFailures: number;
  /**
   * System relaunches over the action's life before this failure. Omitted by a judgement that
   * relaunches nothing (a failed look at a live attempt), which only the count in a row limits.
   */
  readonly relaunches?: number | undefined;
}

export type FailureVerdict =
  /** Abort this attempt and start attempt + 1. */
  | { readonly verdict: 'nextAttempt'; readonly errorState: ErrorState; readonly systemFailures: 0 }
  /** Relaunch the same attempt, not before `retryAt`. */
  | {
      readonly verdict: 'relaunch';
      readonly errorState: ErrorState;
      readonly systemFailures: number;
      /** Relaunches over the action's life, this one included. */
      readonly relaunches: number;
      readonly retryAt: Date;
    }
  /** The action has failed for good. */
  | { readonly verdict: 'fail'; readonly errorState: ErrorState; readonly systemFailures: number };

/** What a failure leads to under `policy`; pure. */
export function judgeFailure(
  counters: RetryCounters,
  failure: Failure,
  policy: RetryPolicy,
  now: Date,
): FailureVerdict {
  const errorState = { code: failure.code, kind: failure.kind, message: failure.message };
  if (failure.kind === 'USER') {
    // A failure that no retry can mend (a bad task specification) ends the action as it
    // stands: neither budget is charged for it.
    if (!failure.retryable)
      return { verdict: 'fail', errorState, systemFailures: counters.systemFailures };
    // A task that ran to its own failure is past the platform's: the run of system failures ends.
    const used = counters.attempts;
    if (used < policy.maxAttempts) return { verdict: 'nextAttempt', errorState, systemFailures: 0 };
    return {
      verdict: 'fail',
      systemFailures: 0,
      errorState: {
        code: retryCodes.maxRetriesExceeded,
        kind: 'USER',
        message: `task failed on all ${used} attempt(s); last failure: ${failure.code}: ${failure.message}`,
      },
    };
  }
  const systemFailures = counters.systemFailures + 1;
  if (!failure.retryable) return { verdict: 'fail', errorState, systemFailures };
  const exhausted = (budget: string): FailureVerdict => ({
    verdict: 'fail',
    systemFailures,
    errorState: {
      code: retryCodes.maxSystemFailuresExceeded,
      kind: 'SYSTEM',
      message: `${budget}; last failure: ${failure.code}: ${failure.message}`,
    },
  });
  const max = policy.maxSystemFailures ?? defaultMaxSystemFailures;
  if (systemFailures > max) {
    return exhausted(`${systemFailures} system failures in a row (at most ${max} are retried)`);
  }
  const relaunches = (counters.relaunches ?? 0) + 1;
  const ceiling = policy.maxRelaunches ?? defaultMaxRelaunches;
  if (counters.relaunches !== undefined && relaunches > ceiling) {
    return exhausted(
      `${relaunches} system failures over the action's life (at most ${ceiling} are relaunched, however far each got)`,
    );
  }
  const delay = systemRetryDelay(systemFailures, policy.systemBackoffMs);
  return {
    verdict: 'relaunch',
    errorState,
    systemFailures,
    relaunches,
    retryAt: new Date(now.getTime() + delay),
  };
}

/** Milliseconds to wait after the n-th system failure in a row (n >= 1): doubling, capped. */
export function systemRetryDelay(
  systemFailures: number,
  backoff: RetryPolicy['systemBackoffMs'] = defaultSystemBackoffMs,
): number {
  const exponent = Math.max(0, systemFailures - 1);
  return Math.min(backoff.initial * 2 ** Math.min(exponent, 30), backoff.max);
}
