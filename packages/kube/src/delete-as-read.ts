import type { ResourceType } from '@roundhouse/core';
import { remainingAfterDelete } from './deletion-answer.js';
import type { DeleteOptions, DeletionPropagation, KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError } from './kubernetes-errors.js';

export interface DeleteAsReadOptions {
  readonly propagationPolicy?: DeletionPropagation | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface DeleteAsReadAnsweredOptions extends DeleteAsReadOptions {
  /**
   * Hold the delete to the read's resourceVersion too, for a caller whose decision to delete
   * rested on the object's content (an engine's `deletionPending`): the API server then refuses
   * (409) an object anything wrote since, and the outcome is `changed`, never `replaced`, as the
   * two cannot be told apart. The caller decides again on a newer copy.
   */
  readonly asDecided?: boolean | undefined;
}

/**
 * What a delete of an object as it was read came to: `replaced` when another object took its
 * name since the read (the one read is gone, the newcomer untouched).
 */
export type DeleteAsReadOutcome = 'deleted' | 'absent' | 'replaced';

/**
 * The outcome with what the API server answered: for `deleted`, the object as stored when it
 * stays, being deleted (finalizers or a grace period keep it), and undefined when it is gone;
 * with `asDecided`, `changed` when it was written since or replaced (nothing was deleted).
 */
export type DeleteAsReadAnswer =
  | { readonly outcome: 'deleted'; readonly remaining: KubeObject | undefined }
  | { readonly outcome: 'absent' | 'replaced' | 'changed' };

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
  return asRead(type, object, options, 'replaced', async (namespace, name, request) =>
    (await client.delete(type, namespace, name, request)) ? 'deleted' : 'absent',
  );
}

/**
 * `deleteAsRead`, resolving to what the API server answered, so a caller holding the object in
 * a cache (`Informer.observe`) caches the deletion it caused instead of acting on its read again:
 * a stale copy would have it deleted a second time and its finalizers removed from a list that
 * changed, each a request more.
 */
export async function deleteAsReadAnswered(
  client: Pick<KubeClient, 'deleteAnswered'>,
  type: ResourceType,
  object: KubeObject,
  options: DeleteAsReadAnsweredOptions = {},
): Promise<DeleteAsReadAnswer> {
  const conflict = options.asDecided ? 'changed' : 'replaced';
  const answer = await asRead(type, object, options, conflict, (namespace, name, request) =>
    client.deleteAnswered(type, namespace, name, request),
  );
  if (answer === 'replaced' || answer === 'changed') return { outcome: answer };
  if (answer === null) return { outcome: 'absent' };
  return { outcome: 'deleted', remaining: remainingAfterDelete(answer) };
}

/**
 * Sends the delete `send` makes of `object` under its read uid (and resourceVersion when
 * `asDecided`); a 409 answers `conflict`: replaced, or, as decided, changed.
 */
async function asRead<R, C extends 'replaced' | 'changed'>(
  type: ResourceType,
  object: KubeObject,
  options: DeleteAsReadAnsweredOptions,
  conflict: C,
  send: (namespace: string | undefined, name: string, request: DeleteOptions) => Promise<R>,
): Promise<R | C> {
  const { namespace, name, uid, resourceVersion } = object.metadata ?? {};
  if (!name || !uid) {
    throw new TypeError(`deleteAsRead: a ${type.kind} read from the API server has a name and uid`);
  }
  if (options.asDecided && !resourceVersion) {
    throw new TypeError(`deleteAsRead: a ${type.kind} decided on carries its resourceVersion`);
  }
  try {
    return await send(namespace, name, {
      preconditions: options.asDecided ? { uid, resourceVersion } : { uid },
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (isKubernetesError(error, 'Conflict')) return conflict;
    throw error;
  }
}
