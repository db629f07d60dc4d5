import { ConfigurationError } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { isKubernetesError, KubernetesApiError } from '@roundhouse/kube';

export interface FinalizerOptions {
  readonly signal?: AbortSignal;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds `finalizer` unless present and returns the object as written. The merge patch carries
 * the whole finalizer list and the object's resourceVersion, so it fails with a conflict rather
 * than drop a finalizer someone else added meanwhile; on a conflict it re-reads and retries.
 * Throws NotFound when the object is gone.
 */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
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
      `add finalizer ${finalizer} to ${type.kind} ${describe(obj)}: not found`,
      404,
    );
  }
  return updated;
}

/**
 * Removes `finalizer` if present, as `addFinalizer` adds it. Returns `null` when the object is
 * gone, which is what removing the last finalizer of a deleted object leads to.
 */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
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

/** Applies `edit` to the finalizer list until a conditional write succeeds; null if gone. */
async function editFinalizers<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
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
  for (let attempt = 1; current; attempt += 1) {
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

function describe(obj: KubeObject): string {
  return [obj.metadata?.namespace, obj.metadata?.name].filter(Boolean).join('/');
}
