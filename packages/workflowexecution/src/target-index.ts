import type { Informer } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { statusView, targetOf } from './resource.js';
import { cooldownRemaining } from './status.js';

/** The informer index of WorkflowExecutions by `spec.targetResource`. */
export const targetIndex = 'spec.targetResource';

/** Index function for `targetIndex`. */
export function indexByTarget(object: KubeObject): string[] {
  const target = targetOf(object);
  return target === undefined ? [] : [target];
}

export type TargetIndex = Pick<Informer<KubeObject>, 'byIndex'>;

/**
 * The most recent other execution on `target` still inside its cooldown, if any. Reads only
 * the executions on that target, through the index, so a burst of N starts costs N lookups
 * rather than N scans of the whole cache.
 *
 * Only an execution that acted on the target counts: the cooldown lets a target settle after
 * a workflow acted on it, and one refused before it ran (an invalid spec, a forbidden bundle)
 * acted on nothing. Counting it would let anyone hold a target back for a cooldown with each
 * execution the controller refuses. One that created its resource acted; so did one another
 * writer (kubernaut's controller, an operator) marked Completed, as kubernaut counts it: a
 * refusal is never Completed.
 */
export function cooldownBlocking(
  executions: TargetIndex,
  self: { uid?: string | undefined; target: string },
  cooldownMs: number,
  now: Date,
): { name: string; remainingMs: number } | undefined {
  let blocking: { name: string; remainingMs: number } | undefined;
  for (const other of executions.byIndex(targetIndex, self.target)) {
    if (other.metadata?.uid === self.uid) continue;
    const view = statusView(other);
    if (!view.status?.executionRef && view.status?.phase !== 'Completed') continue;
    const remainingMs = cooldownRemaining(view, cooldownMs, now);
    if (remainingMs > (blocking?.remainingMs ?? 0)) {
      blocking = { name: `${other.metadata?.namespace}/${other.metadata?.name}`, remainingMs };
    }
  }
  return blocking;
}

/**
 * Another execution running on `target` under a different engine, if the cache knows one. The
 * lock name is the same for every engine, but the API server keeps names unique per kind only:
 * a Job and a PipelineRun of the same name do not collide, so without this a `job` and a
 * `tekton` execution would work on one target at once. The cache can lag a start by a moment;
 * two such starts in the same instant can still both run, which only a lock object common to
 * every engine (one more request per start) would close.
 */
export function heldByOtherEngine(
  executions: TargetIndex,
  self: { uid?: string | undefined; target: string; engine: string },
): { name: string; namespace: string; resourceName: string } | undefined {
  for (const other of executions.byIndex(targetIndex, self.target)) {
    if (other.metadata?.uid === self.uid) continue;
    const engine = (other.spec as { executionEngine?: unknown } | undefined)?.executionEngine;
    if (engine === self.engine) continue;
    const { status } = statusView(other);
    const resourceName = status?.executionRef?.name;
    if (resourceName === undefined) continue;
    if (status?.phase === 'Completed' || status?.phase === 'Failed') continue;
    return {
      name: other.metadata?.name ?? '',
      namespace: other.metadata?.namespace ?? '',
      resourceName,
    };
  }
  return undefined;
}

/**
 * The keys an event on a WorkflowExecution should wake: itself, and when it has finished or
 * gone (so its target's lock may have been released) every execution still waiting to start
 * on the same target, so a waiter starts on the release instead of at its next backoff.
 */
export function keysToWake(executions: TargetIndex, object: KubeObject): string[] {
  const own = `${object.metadata?.namespace}/${object.metadata?.name}`;
  const target = targetOf(object);
  const phase = (object.status as { phase?: unknown } | undefined)?.phase;
  const released =
    phase === 'Completed' || phase === 'Failed' || object.metadata?.deletionTimestamp !== undefined;
  if (target === undefined || !released) return [own];
  return [own, ...waitingOn(executions, target).filter((key) => key !== own)];
}

/**
 * The executions an event on an execution resource should wake besides its owner: once the
 * resource is on its way out, every execution waiting to start on its target. A finished
 * holder's release wakes them too (`keysToWake`), but a resource deleted in the foreground
 * (Tekton's) or held by a finalizer still bars them then (PreviousExecutionNotCleaned); its
 * final delete event is when the target is free.
 */
export function waitersOnResource(
  executions: TargetIndex,
  resource: KubeObject,
  targetAnnotation: string,
): string[] {
  const target = resource.metadata?.annotations?.[targetAnnotation];
  if (target === undefined || !resource.metadata?.deletionTimestamp) return [];
  return waitingOn(executions, target);
}

/** Keys of the executions on `target` that have not started. */
function waitingOn(executions: TargetIndex, target: string): string[] {
  return executions
    .byIndex(targetIndex, target)
    .filter((other) => {
      const phase = (other.status as { phase?: unknown } | undefined)?.phase;
      return phase === undefined || phase === 'Pending';
    })
    .map((other) => `${other.metadata?.namespace}/${other.metadata?.name}`);
}
