import {
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  RoundhouseError,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';

type Lock = 'ResourceLocked' | 'PreviousExecutionNotCleaned';

/**
 * A run's Pod cannot be created yet: a Pod of its name is there that it does not own, an earlier
 * TaskRun's of the same name (a Pod's name is its run's, see `taskRunExecution`). That run was
 * deleted, and the garbage collector removes its Pod; nothing is asked of anyone. Same reason
 * as the pod engine's error, which the run's Pending status shows.
 */
export class PredecessorPodError extends RoundhouseError {
  override readonly retryable = true;

  constructor(
    readonly reason: Lock,
    podName: string,
    run: { readonly namespace: string; readonly name: string },
    options?: ErrorOptions,
  ) {
    super(
      `pod ${podName} of an earlier TaskRun ${run.namespace}/${run.name}, since deleted, is still there; this run creates its own once the garbage collector has removed it`,
      options,
    );
  }
}

interface Run {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

/**
 * A run's Pod cannot be created: a Pod of its name is there that no deleted TaskRun of this
 * name owns, so the garbage collector will not remove it (created by hand, or by someone who
 * copied the owner labels). The run waits, retrying, until someone deletes it.
 */
export class SquattedPodError extends RoundhouseError {
  readonly reason = 'ResourceLocked';
  override readonly retryable = true;

  constructor(podName: string, run: Run, options?: ErrorOptions) {
    super(
      `pod ${podName} has the name this run's Pod needs and is no earlier TaskRun ${run.namespace}/${run.name}'s, so nothing will remove it; this run creates its own once it is deleted`,
      options,
    );
  }
}

/**
 * Whether `pod` is owned by a TaskRun of this run's name other than this one: a deleted
 * predecessor (two runs of one name cannot exist at once), whose Pod the garbage collector
 * removes.
 */
function ownedByPredecessor(pod: KubeObject, run: Run): boolean {
  return (pod.metadata?.ownerReferences ?? []).some(
    (ref) =>
      String(ref.apiVersion).split('/')[0] === taskRuns.group &&
      ref.kind === taskRuns.kind &&
      ref.name === run.name &&
      ref.uid !== run.uid,
  );
}

/**
 * The pod engine's lock errors in a run's terms when the Pod holding the name claims this run
 * (or claims no owner at all). `holder` is that Pod as just read (null once gone). A deleted
 * run's of this name, or one on its way out: the engine's words (the Pod "is held by TaskRun
 * <this run>"; "clean it up") would have the author act on what the garbage collector is about
 * to do. Any other: nothing will remove it, and the run says so. A Pod another owner's labels
 * claim (not this run's name) keeps the engine's error, which names that TaskRun.
 */
export function inRunTerms(error: unknown, run: Run, holder: KubeObject | null): unknown {
  if (!isLockError(error)) return error;
  const { owner } = error;
  if (owner && (owner.namespace !== run.namespace || owner.name !== run.name)) return error;
  if (!holder || holder.metadata?.deletionTimestamp || ownedByPredecessor(holder, run))
    return new PredecessorPodError(error.reason, error.resourceName, run, { cause: error });
  return new SquattedPodError(error.resourceName, run, { cause: error });
}

/** The pod engine's refusal to create a run's Pod because a Pod holds its name. */
export function isLockError(
  error: unknown,
): error is ResourceLockedError | PreviousExecutionNotCleanedError {
  return error instanceof ResourceLockedError || error instanceof PreviousExecutionNotCleanedError;
}
