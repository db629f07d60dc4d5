import { parseGoDuration } from '@roundhouse/core';

/**
 * The operator's bounds on how long one attempt may hold its Job: the WorkflowExecution
 * controller's default and ceiling. Without them an author could hold a pod for ever.
 */
export interface AttemptTimeouts {
  /** Go duration of an attempt whose task template sets no `timeout`. */
  readonly defaultTimeout: string;
  /** Go duration no `taskTemplate.timeout` may exceed. */
  readonly maxTimeout: string;
}

export const defaultAttemptTimeouts: AttemptTimeouts = { defaultTimeout: '1h', maxTimeout: '24h' };

/**
 * Why a task may not run with `timeout`, or undefined when it is at most `maxTimeout` (or
 * unset, so the operator's default applies).
 */
export function refuseTimeout(timeout: string | undefined, maxTimeout: string): string | undefined {
  if (timeout === undefined) return undefined;
  const ms = parseGoDuration(timeout);
  const maxMs = parseGoDuration(maxTimeout) ?? Number.POSITIVE_INFINITY;
  if (ms === undefined || ms <= maxMs) return undefined;
  return `spec.taskTemplate.timeout: ${timeout} is longer than the longest attempt this controller runs (${maxTimeout}, --max-timeout); set a shorter timeout, or ask the operator to raise it`;
}
