import type { ResourceType } from '@roundhouse/core';
import {
  type DeletionPropagation,
  isKubernetesError,
  type KubeClient,
  type KubeObject,
} from '@roundhouse/kube';

/**
 * How many copies of a run cleanup decides on before it gives up for now: past that the
 * Conflict is thrown (retryable), as a run rewritten between every read and delete is rare.
 */
export const maxDeleteAttempts = 3;

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
