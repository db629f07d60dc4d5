import {
  CleanupPendingError,
  type Conventions,
  conventionKeys,
  toLabelValue,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { jobEngine } from './job-spec.js';

/**
 * The pods the Job `jobName` was given for `wfe`, by the labels its pod template carries and
 * the Job controller adds (`batch.kubernetes.io/job-name`): whichever Job of that name made
 * them, this execution's or a successor's on the same target.
 */
export function executionPodsSelector(
  wfe: WorkflowExecution,
  jobName: string,
  conventions: Conventions,
): string {
  const keys = conventionKeys(conventions);
  return [
    `${keys.workflowExecutionLabel}=${toLabelValue(wfe.metadata.name)}`,
    `${keys.executionEngineLabel}=${toLabelValue(jobEngine)}`,
    `batch.kubernetes.io/job-name=${jobName}`,
  ].join(',');
}

/**
 * Whether `pod` is `wfe`'s and no controller owns it any more: its Job was deleted with
 * `propagationPolicy: Orphan` (`kubectl delete job --cascade=orphan`), and the garbage
 * collector took the Job's ownerReference off instead of deleting the pod, which runs on with
 * nothing to stop it. Only a pod whose template recorded this execution's uid is: a pod of a
 * successor with the same name and target records its own, and a pod that records none
 * (created before the Job's template carried it, or for an execution never stored) is nobody's
 * to delete here.
 */
export function isOrphanedPodOf(
  pod: KubeObject,
  wfe: WorkflowExecution,
  conventions: Conventions,
): boolean {
  const metadata = pod.metadata;
  const uid = metadata?.annotations?.[conventionKeys(conventions).workflowExecutionUidAnnotation];
  return (
    wfe.metadata.uid !== undefined &&
    uid === wfe.metadata.uid &&
    !metadata?.ownerReferences?.some((reference) => reference.controller === true)
  );
}

/** How soon cleanup looks again at orphaned pods it deleted: a pod's grace period is 30 s. */
const orphanedPodsRecheckSeconds = 5;

/**
 * Cleanup found pods of the execution that outlived its Job, deleted them, and waits until they
 * are gone: until then the workflow may still act on the target, so the lock stays. Not a
 * failure: core's `CleanupPendingError`, looked at again after `retryAfterSeconds`.
 */
export class OrphanedPodsStoppingError extends CleanupPendingError {
  override readonly reason = 'OrphanedPodsStopping';

  constructor(
    readonly namespace: string,
    readonly pods: readonly string[],
  ) {
    super(
      `pods ${pods.map((pod) => `${namespace}/${pod}`).join(', ')} outlived their deleted Job ` +
        '(deleted with propagationPolicy Orphan) and are being deleted; the target stays locked ' +
        'until they are gone',
      orphanedPodsRecheckSeconds,
    );
  }
}
