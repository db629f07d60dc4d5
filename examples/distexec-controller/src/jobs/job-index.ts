import { type Conventions, conventionKeys, executionOwnerKey } from '@roundhouse/core';
import { isJobFinished, JobStateSchema } from '@roundhouse/job';
import type { KubeObject } from '@roundhouse/kube';
import { parseNodeTarget } from './node-job.js';

/** The Jobs informer's index of each node Job under its DistExec's `namespace/name`. */
export const jobsByOwner = 'distexec-owner';

/**
 * The DistExec a node Job belongs to, from its owner labels: both what a Job event wakes and
 * where the Job is indexed, so a reconcile reads its own Jobs without scanning every DistExec's.
 * Only a Job whose target is an attempt of that DistExec (`nodeTarget`) is one: other Roundhouse
 * controllers' Jobs (a TaskAction's attempt, a WorkflowExecution's) carry the same owner labels,
 * naming an object of their own kind, and a DistExec of that name, or none, must never take
 * them for its own to delete, nor count them in its namespace's room.
 */
export function ownerOfJob(conventions: Conventions): (job: KubeObject) => string[] {
  const { targetResourceAnnotation } = conventionKeys(conventions);
  return (job) => {
    const owner = executionOwnerKey(job.metadata, conventions);
    if (!owner) return [];
    const slash = owner.indexOf('/');
    const target = job.metadata?.annotations?.[targetResourceAnnotation];
    const ofAttempt = parseNodeTarget(target, owner.slice(0, slash), owner.slice(slash + 1));
    return ofAttempt ? [owner] : [];
  };
}

/** The Jobs informer's index of each unfinished node Job under its DistExec's namespace. */
export const jobsInFlightByNamespace = 'distexec-namespace-in-flight';

/**
 * The namespace of the DistExec an unfinished node Job belongs to: what `--max-jobs-per-namespace`
 * counts, kept current by the informer as Jobs finish, so counting costs no scan.
 */
export function namespaceOfJobInFlight(conventions: Conventions): (job: KubeObject) => string[] {
  const owner = ownerOfJobInFlight(conventions);
  return (job) => owner(job).map((key) => key.slice(0, key.indexOf('/')));
}

/** The Jobs informer's index of each unfinished node Job under its DistExec's `namespace/name`. */
export const jobsInFlightByOwner = 'distexec-owner-in-flight';

/**
 * The DistExec an unfinished node Job belongs to: how many slots of its namespace's room each
 * DistExec holds, which decides whose turn the next free one is (`nextInLine`).
 */
export function ownerOfJobInFlight(conventions: Conventions): (job: KubeObject) => string[] {
  const owner = ownerOfJob(conventions);
  return (job) => {
    const state = JobStateSchema.safeParse(job);
    if (state.success && isJobFinished(state.data)) return [];
    return owner(job);
  };
}
