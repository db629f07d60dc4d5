import { ConfigurationError, type FieldIssue, isDns1123Subdomain } from '@roundhouse/core';
import { podDeadlineSeconds, type TaskRunSpec } from '@roundhouse/pod';

export interface RunSettings {
  /** The run's timeout; undefined for none. */
  readonly timeoutMs: number | undefined;
}

/**
 * What the controller takes from a TaskRun's spec beyond its schema, checked before anything is
 * looked up. Throws a ConfigurationError naming every field that cannot work: a Task name no
 * object can have (the schema takes any string, and a name such as "." would turn the Task's
 * lookup into a request for something else), or a timeout a Pod's deadline cannot hold (the pod
 * engine's rule, checked on this field so its author hears about it).
 */
export function runSettings(spec: TaskRunSpec): RunSettings {
  const issues: FieldIssue[] = [];
  const { name } = spec.taskRef;
  if (!isDns1123Subdomain(name)) {
    issues.push({
      path: 'spec.taskRef.name',
      message: `"${name}" cannot name a Task: a Task's name is a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and ".", at most 253 characters)`,
    });
  }
  let timeoutMs: number | undefined;
  try {
    timeoutMs = spec.timeout ? podDeadlineSeconds(spec.timeout, 'spec.timeout') * 1000 : undefined;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length) throw new ConfigurationError(issues);
  return { timeoutMs };
}
