import { type Logger, RoundhouseError } from '@roundhouse/core';
import type { Fixable } from './errors.js';
import { lastingFailureLogger } from './lasting-failure.js';

/**
 * How long a follow's informer may fail without a break before the follow gives up. The
 * informer retries a dropped connection, an API server that is down or answers 5xx, for ever,
 * as a controller should; a person or a CI job would watch a frame that never changes. Five
 * minutes leaves room for an API server's restart or a control plane's upgrade.
 */
export const failingWatchLimitMs = 5 * 60_000;

/**
 * A silence between two failures longer than the informer's longest wait before a retry (30 s
 * and half again of jitter): a retry went through in between, so the failures start anew.
 */
const quietMs = 60_000;

/** The follow's lists and watches have failed for the limit without a break. */
export class FailingWatchError extends RoundhouseError implements Fixable {
  readonly reason = 'WatchFailing';
  readonly fix: string;

  constructor(server: string, limitMs: number, last: string) {
    const within =
      limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${limitMs / 1000} s`;
    super(`every list and watch at ${server} has failed for ${within}; the last: ${last}`);
    this.fix =
      'check that the cluster runs and this machine reaches it (kubectl get --raw /readyz); what was followed goes on without this command, follow it again once the cluster answers';
  }
}

/**
 * Wraps an informer's logger so that failures it retries end the follow once they have kept
 * coming for `limitMs`: `fail` gets the last one's message. Only `warn` counts: the informer
 * logs a failed list or watch there, and a handler that threw at `error`.
 */
export function failingWatchLogger(
  logger: Logger,
  fail: (last: string) => void,
  options: { limitMs?: number | undefined; now?: (() => number) | undefined } = {},
): Logger {
  const limitMs = options.limitMs ?? failingWatchLimitMs;
  const now = options.now ?? Date.now;
  let first: number | undefined;
  let last: number | undefined;
  return {
    ...logger,
    warn: (fields, message) => {
      logger.warn(fields, message);
      const at = now();
      if (first === undefined || last === undefined || at - last > quietMs) first = at;
      last = at;
      if (at - first >= limitMs) fail(String(fields.error ?? message));
    },
  };
}

/**
 * The logger of a follow's informer: `fail` gets a failure no retry mends at once (see
 * lasting-failure.ts), and FailingWatchError once retried ones have kept coming for the limit.
 */
export function followLogger(server: string, fail: (error: unknown) => void): Logger {
  return failingWatchLogger(lastingFailureLogger(fail), (last) =>
    fail(new FailingWatchError(server, failingWatchLimitMs, last)),
  );
}
