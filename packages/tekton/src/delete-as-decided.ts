import type { ResourceType } from '@roundhouse/core';
import {
  type DeletionPropagation,
  isKubernetesError,
  type KubeClient,
  type KubeObject,
} from '@roundhouse/kube';

/**
 * How many copies of a run cleanup decides on before it gives up for now: past that the
 * Conflict is thrown (retryable). Tekton writes a starting run's status several times in its
 * first second (conditions, child references, labels), and CI saw three deletes in a row meet
 * those writes; a run rewritten between five reads and deletes is busy enough to wait for.
 */
export const maxDeleteAttempts = 5;

export interface DeleteAsDecidedOptions {
  readonly propagationPolicy: DeletionPropagation;
  readonly signal?: AbortSignal | undefined;
  /** Throw the API server's Conflict rather than answer `changed`. */
  readonly lastAttempt: boolean;
}

/**
 * Deletes the PipelineRun only if it is still `copy`, the copy cleanup decided on (often a
 * controller's cache's): the delete carries its uid and resourceVersion as preconditions, which
 * the API server answers with 409 Conflict once anything wrote the run since (apiserver
 * `InterpretDeleteError`). `changed` then: the run may have been cancelled gracefully by a user
 * or kubectl within the watch's lag, and Tekton, which acts on the stored `spec.status`, runs
 * its `finally`; the caller decides again on the API server's copy. A cleanup of a run nobody
 * wrote since, the common case, costs no request more than a delete.
 */
export async function deleteAsDecided(
  client: Pick<KubeClient, 'delete'>,
  type: ResourceType,
  copy: KubeObject,
  options: DeleteAsDecidedOptions,
): Promise<'deleted' | 'absent' | 'changed'> {
  const { namespace, name, uid, resourceVersion } = copy.metadata ?? {};
  try {
    const deleted = await client.delete(type, namespace, name ?? '', {
      preconditions: { uid, resourceVersion },
      propagationPolicy: options.propagationPolicy,
      signal: options.signal,
    });
    return deleted ? 'deleted' : 'absent';
  } catch (error) {
    if (isKubernetesError(error, 'Conflict') && !options.lastAttempt) return 'changed';
    throw error;
  }
}

/** The garbage collector's finalizer on an object deleted in the foreground (metav1). */
const foregroundFinalizer = 'foregroundDeletion';

/**
 * Makes a run already being deleted go in the foreground, as cleanup's own delete would: one
 * deleted by someone else with `--cascade=orphan` or in the background, and held by another
 * finalizer (Tekton Results adds one), would otherwise let its `<run>-<task>` TaskRuns outlive
 * it. A repeat delete of an object with a deletionTimestamp still sets the garbage collector's
 * finalizers its propagationPolicy asks for (apiserver `updateForGracefulDeletionAndFinalizers`).
 * Sends nothing when the run already goes in the foreground. The uid precondition alone: the
 * garbage collector writes the run while it goes, which a resourceVersion would meet as
 * Conflicts; a Conflict here means the run was replaced, so this one is gone.
 */
export async function keepForeground(
  client: Pick<KubeClient, 'delete'>,
  type: ResourceType,
  copy: KubeObject,
  signal?: AbortSignal,
): Promise<void> {
  if (copy.metadata?.finalizers?.includes(foregroundFinalizer)) return;
  const { namespace, name, uid } = copy.metadata ?? {};
  try {
    await client.delete(type, namespace, name ?? '', {
      preconditions: { uid },
      propagationPolicy: 'Foreground',
      signal,
    });
  } catch (error) {
    if (!isKubernetesError(error, 'Conflict')) throw error;
  }
}
