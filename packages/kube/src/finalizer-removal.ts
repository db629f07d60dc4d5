import type { ResourceType } from '@roundhouse/core';
import type { KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError } from './kubernetes-errors.js';

/** A JSON Patch operation, as the API server applies it to the object. */
export type FinalizerPatchOperation =
  | { readonly op: 'test'; readonly path: string; readonly value: string }
  | { readonly op: 'remove'; readonly path: string };

/**
 * The JSON patch that removes `finalizer` from `object` as read, or undefined when it carries
 * none (or was never stored: no uid). It holds to that object (its uid) and to where the
 * finalizer stood in the list as read: a list changed since fails the patch (422 Invalid)
 * instead of removing another's finalizer. It needs no resourceVersion, which a deletion just
 * before it has changed, so a copy from a cache serves.
 *
 * The API server does not dedupe finalizers, so one may stand in the list more than once; every
 * place it stands is removed, the highest index first so that no removal shifts a later one.
 */
export function finalizerRemoval(
  object: KubeObject,
  finalizer: string,
): readonly FinalizerPatchOperation[] | undefined {
  const uid = object.metadata?.uid;
  const indexes = (object.metadata?.finalizers ?? []).flatMap((name, index) =>
    name === finalizer ? [index] : [],
  );
  if (indexes.length === 0 || uid === undefined) return undefined;
  const removals = indexes.reverse().flatMap((index): FinalizerPatchOperation[] => {
    const path = `/metadata/finalizers/${index}`;
    return [
      { op: 'test', path, value: finalizer },
      { op: 'remove', path },
    ];
  });
  return [{ op: 'test', path: '/metadata/uid', value: uid }, ...removals];
}

export interface FinalizerRemovalOptions {
  readonly signal?: AbortSignal | undefined;
}

/**
 * Removes `finalizer` from `object` as it was read (see `finalizerRemoval`), as
 * `deleteAsRead` deletes it: an engine's cleanup, and a controller collecting what an execution
 * left, each delete an execution resource and then take their finalizer off it. A list changed
 * since the read is read again, once; an object gone, or replaced by another of the same name,
 * is left alone. Resolves to the object as the removal wrote it, or undefined when nothing was
 * written, so a controller can cache its own write before the watch echoes it; one that
 * removed the last finalizer of an object being deleted may have deleted it (`isStillStored`).
 */
export async function removeFinalizerAsRead(
  client: Pick<KubeClient, 'get' | 'patch'>,
  type: ResourceType,
  object: KubeObject,
  finalizer: string,
  options: FinalizerRemovalOptions = {},
): Promise<KubeObject | undefined> {
  const { namespace, name, uid } = object.metadata ?? {};
  if (!name || !uid) {
    throw new TypeError(
      `removeFinalizerAsRead: a ${type.kind} read from the API server has a name and uid`,
    );
  }
  const request = options.signal ? { signal: options.signal } : {};
  let current: KubeObject | null = object;
  for (let attempt = 1; current; attempt += 1) {
    const patch = finalizerRemoval(current, finalizer);
    if (!patch || current.metadata?.uid !== uid) return undefined;
    try {
      return await client.patch<KubeObject>(type, namespace, name, patch, {
        ...request,
        strategy: 'json',
      });
    } catch (error) {
      if (isKubernetesError(error, 'NotFound')) return undefined;
      if (!isKubernetesError(error, 'Invalid') || attempt >= 2) throw error;
    }
    current = await client.get<KubeObject>(type, namespace, name, request);
  }
  return undefined;
}
