import {
  ConfigurationError,
  type FieldIssue,
  isDns1123Subdomain,
  parseGoDuration,
} from '@roundhouse/core';
import { podDeadlineSeconds, type TaskRunSpec } from '@roundhouse/pod';

/** The operator's bounds on how long a run may hold its Pod. */
export interface TimeoutLimits {
  /** Go duration of a run that sets no `spec.timeout`. */
  readonly defaultTimeout: string;
  /** Go duration no `spec.timeout` may exceed. */
  readonly maxTimeout: string;
}

/** Tekton's default (`default-timeout-minutes: 60`), and the WorkflowExecution controller's ceiling. */
export const defaultTimeoutLimits: TimeoutLimits = { defaultTimeout: '1h', maxTimeout: '24h' };

export interface RunSettings {
  /** The run's timeout as written: its own, or the operator's default. */
  readonly timeout: string;
  readonly timeoutMs: number;
}

/**
 * What the controller takes from a TaskRun's spec beyond its schema, checked before anything is
 * looked up. Throws a ConfigurationError naming every field that cannot work: a Task name no
 * object can have (the schema takes any string, and a name such as "." would turn the Task's
 * lookup into a request for something else), or a timeout a Pod's deadline cannot hold (the pod
 * engine's rule, checked on this field so its author hears about it) or longer than the
 * operator allows. A run without a timeout gets the operator's default: none would let its
 * author hold a Pod for ever.
 */
export function runSettings(
  spec: TaskRunSpec,
  limits: TimeoutLimits = defaultTimeoutLimits,
): RunSettings {
  const issues: FieldIssue[] = [];
  const { name } = spec.taskRef;
  if (!isDns1123Subdomain(name)) {
    issues.push({
      path: 'spec.taskRef.name',
      message: `"${name}" cannot name a Task: a Task's name is a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and ".", at most 253 characters)`,
    });
  }
  const timeout = spec.timeout ?? limits.defaultTimeout;
  const path = spec.timeout ? 'spec.timeout' : 'defaultTimeout';
  let timeoutMs = 0;
  try {
    timeoutMs = podDeadlineSeconds(timeout, path) * 1000;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    issues.push(...error.issues);
  }
  const maxMs = parseGoDuration(limits.maxTimeout) ?? Number.POSITIVE_INFINITY;
  if (spec.timeout && timeoutMs > maxMs) {
    issues.push({
      path: 'spec.timeout',
      message: `must be at most ${limits.maxTimeout}, the longest this controller lets a run hold its Pod (--max-timeout); split the work into shorter runs, or ask the operator to raise it`,
    });
  }
  if (issues.length) throw new ConfigurationError(issues);
  return { timeout, timeoutMs };
}
