/**
 * When and how a failed AWX request is tried again: jittered exponential backoff (p-retry),
 * never sooner than the server's `Retry-After`, and only for failures a repeat can fix.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { AwxApiError, AwxError } from './awx-errors.js';

/**
 * `repeatable`: the request may be sent again whatever happened to the last one (GET, DELETE,
 * cancel). `unsent-only`: it creates something, so it is repeated only when AWX cannot have
 * acted on the failed attempt (it was refused before being read, or answered 429).
 */
export type RetryMode = 'repeatable' | 'unsent-only';

export interface RetryPolicy {
  /** Further attempts after the first. */
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this ends the retries; the caller requeues instead of waiting. */
  readonly maxRetryAfterMs: number;
}

/** Whether this failure may be retried under this mode, `Retry-After` aside. */
export function isRetryable(error: unknown, mode: RetryMode): boolean {
  if (!(error instanceof AwxError) || !error.retryable) return false;
  return mode === 'repeatable' || !error.ambiguous;
}

/** The `Retry-After` header as milliseconds from `now`: delay-seconds or an HTTP date. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function retryAfterMs(error: unknown): number {
  return error instanceof AwxApiError && error.retryAfterSeconds !== undefined
    ? error.retryAfterSeconds * 1000
    : 0;
}

/**
 * Runs `attempt` until it succeeds, fails in a way `mode` does not retry, or the retries are
 * spent; the last error is thrown. p-retry waits its jittered backoff between attempts, and the
 * next attempt first waits out whatever remains of the server's `Retry-After`.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  mode: RetryMode,
  policy: RetryPolicy,
  options: {
    readonly signal?: AbortSignal | undefined;
    readonly onRetry?: ((error: AwxError, attempt: number) => void) | undefined;
  } = {},
): Promise<T> {
  let notBefore = 0;
  return pRetry(
    async () => {
      const wait = notBefore - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: options.signal });
      try {
        return await attempt();
      } catch (error) {
        notBefore = Date.now() + retryAfterMs(error);
        throw error;
      }
    },
    {
      retries: policy.retries,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      factor: 2,
      randomize: true,
      signal: options.signal,
      shouldRetry: ({ error }) =>
        isRetryable(error, mode) && retryAfterMs(error) <= policy.maxRetryAfterMs,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && error instanceof AwxError && isRetryable(error, mode)) {
          options.onRetry?.(error, attemptNumber);
        }
      },
    },
  );
}
