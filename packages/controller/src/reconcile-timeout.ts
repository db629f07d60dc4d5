import { RoundhouseError } from '@roundhouse/core';
import type { Clock } from './clock.js';

/** A reconcile ran past the controller's `reconcileTimeoutMs`: its signal's abort reason. */
export class ReconcileTimeoutError extends RoundhouseError {
  readonly reason = 'ReconcileTimeout';
  override readonly retryable = true;

  constructor(
    readonly controller: string,
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(
      `controller ${controller}: the reconcile of ${key} ran past its ${timeoutMs} ms (reconcileTimeoutMs); its signal aborted, and it is retried with backoff`,
    );
  }
}

/**
 * `signal`, and past `timeoutMs` (on `clock`) a timeout of its own with the reason `timedOut`
 * gives. One AbortController and one timer, both let go by `release`, so a burst of reconciles
 * leaves no timers or listeners behind (`AbortSignal.any` and `AbortSignal.timeout` would keep
 * each timer until it fired).
 */
export function boundedSignal(
  signal: AbortSignal,
  timeoutMs: number | undefined,
  clock: Clock,
  timedOut: () => Error,
): { readonly signal: AbortSignal; release(): void } {
  if (timeoutMs === undefined) return { signal, release: () => {} };
  const bounded = new AbortController();
  const follow = () => bounded.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  const cancel = clock.setTimer(() => bounded.abort(timedOut()), timeoutMs);
  return {
    signal: bounded.signal,
    release: () => {
      cancel();
      signal.removeEventListener('abort', follow);
    },
  };
}
