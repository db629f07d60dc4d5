import {
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  RoundhouseError,
} from '@roundhouse/core';

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

/**
 * The pod engine's lock errors in a run's terms when the Pod is a deleted run's of this name:
 * the engine's words (the Pod "is held by TaskRun <this run>"; "clean it up") would have the
 * author act on what the garbage collector is about to do. A Pod another owner's labels claim
 * (not this run's name) keeps the engine's error, which names that TaskRun.
 */
export function inRunTerms(
  error: unknown,
  run: { readonly namespace: string; readonly name: string },
): unknown {
  if (!(error instanceof ResourceLockedError || error instanceof PreviousExecutionNotCleanedError))
    return error;
  const { owner } = error;
  if (owner && (owner.namespace !== run.namespace || owner.name !== run.name)) return error;
  return new PredecessorPodError(error.reason, error.resourceName, run, { cause: error });
}
