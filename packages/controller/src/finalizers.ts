import { ConfigurationError } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceOf } from '@roundhouse/kube';
import { isKubernetesError, KubernetesApiError } from '@roundhouse/kube';
import { isSameObject, pinnedUid } from './same-object.js';

export interface FinalizerOptions {
  readonly signal?: AbortSignal | undefined;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number | undefined;
  /**
   * Edits only the object with this uid (default `obj`'s, else the first one read): an object
   * created under the same name after it was deleted counts as gone, and is never edited. A
   * conflict is answered with a read by name, which may find such a successor when `obj` came
   * from a cache that still held its predecessor; a finalizer put on the successor would let the
   * caller go on with what it decided from the predecessor's spec.
   */
  readonly uid?: string | undefined;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds `finalizer` unless present and returns the object as written. The merge patch carries
 * the whole finalizer list and the object's resourceVersion, so it fails with a conflict rather
 * than drop a finalizer someone else added meanwhile; on a conflict it re-reads and retries.
 * Throws NotFound when the object is gone, and when another object (another uid, see
 * `FinalizerOptions.uid`) has taken its name: the object it was given is gone then too.
 */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceOf<T>,
  obj: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T> {
  const updated = await editFinalizers(
    client,
    type,
    obj,
    (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]),
    options,
  );
  if (!updated) {
    throw new KubernetesApiError(
      'NotFound',
      `add finalizer ${finalizer} to ${type.kind} ${describe(obj, options.uid)}: not found`,
      404,
    );
  }
  return updated;
}

/**
 * Removes `finalizer` if present, as `addFinalizer` adds it. Returns `null` when the object is
 * gone, which is what removing the last finalizer of a deleted object leads to, or when another
 * object (another uid) has taken its name.
 */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceOf<T>,
  obj: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T | null> {
  return editFinalizers(
    client,
    type,
    obj,
    (list) => (list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined),
    options,
  );
}

/**
 * Applies `edit` to the finalizer list until a conditional write succeeds; null if gone, or
 * replaced by an object of another uid under the same name.
 */
async function editFinalizers<T extends KubeObject>(
  client: KubeClient,
  type: ResourceOf<T>,
  obj: T,
  edit: (finalizers: readonly string[]) => string[] | undefined,
  options: FinalizerOptions,
): Promise<T | null> {
  const name = obj.metadata?.name;
  if (!name) throw new ConfigurationError({ path: 'metadata.name', message: 'is required' });
  const namespace = obj.metadata?.namespace;
  const request = options.signal ? { signal: options.signal } : {};
  const maxAttempts = options.maxAttempts ?? 5;
  // Without a resourceVersion the write would be unconditional; read one first.
  let current: T | null = obj.metadata?.resourceVersion
    ? obj
    : await client.get<T>(type, namespace, name, request);
  let uid = options.uid || obj.metadata?.uid;
  for (let attempt = 1; current; attempt += 1) {
    uid = pinnedUid(uid, current);
    if (!isSameObject(uid, current)) return null;
    const finalizers = edit(current.metadata?.finalizers ?? []);
    if (!finalizers) return current;
    const patch = { metadata: { resourceVersion: current.metadata?.resourceVersion, finalizers } };
    try {
      return await client.patch<T>(type, namespace, name, patch, { ...request, strategy: 'merge' });
    } catch (error) {
      if (isKubernetesError(error, 'NotFound')) return null;
      if (!isKubernetesError(error, 'Conflict') || attempt >= maxAttempts) throw error;
    }
    current = await client.get<T>(type, namespace, name, request);
  }
  return null;
}

function describe(obj: KubeObject, uid = obj.metadata?.uid): string {
  const key = [obj.metadata?.namespace, obj.metadata?.name].filter(Boolean).join('/');
  return uid ? `${key} (uid ${uid})` : key;
}
