import { type Conventions, executionOwnerKey } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

/** The Jobs informer's index of each node Job under its DistExec's `namespace/name`. */
export const jobsByOwner = 'distexec-owner';

/**
 * The DistExec a node Job belongs to, from its owner labels: both what a Job event wakes and
 * where the Job is indexed, so a reconcile reads its own Jobs without scanning every DistExec's.
 */
export function ownerOfJob(conventions: Conventions): (job: KubeObject) => string[] {
  return (job) => {
    const owner = executionOwnerKey(job.metadata, conventions);
    return owner ? [owner] : [];
  };
}
