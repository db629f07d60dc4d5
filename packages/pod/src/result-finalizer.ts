import type { Conventions } from '@roundhouse/core';

/**
 * The finalizer that keeps a Pod, and with it its steps' outcome, until the engine's `cleanup`:
 * a finished Pod deleted by another hand (PodGC past `--terminated-pod-gc-threshold`, a drain,
 * a user) before its result was recorded would otherwise read as never created, and a retried
 * `create` would run its steps again. The Job controller keeps its pods for the same reason
 * (`batch.kubernetes.io/job-tracking`).
 */
export function podResultFinalizer(conventions: Conventions): string {
  return `${conventions.labelPrefix}pod-result`;
}
