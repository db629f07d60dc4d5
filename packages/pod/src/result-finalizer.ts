import type { Conventions } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

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

/** A JSON Patch operation, as the API server applies it to the Pod. */
export type JsonPatchOperation =
  | { readonly op: 'test'; readonly path: string; readonly value: string }
  | { readonly op: 'remove'; readonly path: string };

/**
 * The patch that removes `finalizer` from `pod` as read, or undefined when it carries none. It
 * holds to that Pod (its uid) and to the finalizer list as read: a list changed since fails
 * the patch (422) instead of removing another's finalizer, and needs no resourceVersion, which
 * the deletion that comes before it has just changed.
 */
export function finalizerRemoval(
  pod: KubeObject,
  finalizer: string,
): readonly JsonPatchOperation[] | undefined {
  const index = pod.metadata?.finalizers?.indexOf(finalizer) ?? -1;
  const uid = pod.metadata?.uid;
  if (index < 0 || uid === undefined) return undefined;
  const path = `/metadata/finalizers/${index}`;
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'test', path, value: finalizer },
    { op: 'remove', path },
  ];
}
