import type { ResourceType } from '@roundhouse/core';
import type { DeletionPropagation, KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError } from './kubernetes-errors.js';

export interface DeleteAsReadOptions {
  readonly propagationPolicy?: DeletionPropagation | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * What a delete of an object as it was read came to: `replaced` when another object took its
 * name since the read (the one read is gone, the newcomer untouched).
 */
export type DeleteAsReadOutcome = 'deleted' | 'absent' | 'replaced';

/**
 * Deletes `object` as it was read (from a cache, a list, an earlier GET), never another that
 * took its name since: the delete carries the read uid as its precondition, which the API
 * server answers with 409 Conflict when the name now holds another uid. So a judgement made on
 * a stale read can only ever reach the object it was made on.
 */
export async function deleteAsRead(
  client: Pick<KubeClient, 'delete'>,
  type: ResourceType,
  object: KubeObject,
  options: DeleteAsReadOptions = {},
): Promise<DeleteAsReadOutcome> {
  const { namespace, name, uid } = object.metadata ?? {};
  if (!name || !uid) {
    throw new TypeError(`deleteAsRead: a ${type.kind} read from the API server has a name and uid`);
  }
  try {
    const deleted = await client.delete(type, namespace, name, {
      preconditions: { uid },
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return deleted ? 'deleted' : 'absent';
  } catch (error) {
    if (isKubernetesError(error, 'Conflict')) return 'replaced';
    throw error;
  }
}
