import { isDeepStrictEqual } from 'node:util';
import { isKubernetesError } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';

export interface UpdateStatusOptions {
  readonly signal?: AbortSignal;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number;
}

/**
 * Writes an object's status through its status subresource. It reads the object, hands a copy
 * to `compute` (a pure function of the current object returning the new status, or undefined
 * to leave it alone), and replaces the status conditionally on the resourceVersion it read. On
 * a conflict it reads again and recomputes, so a concurrent writer's change is built upon, not
 * overwritten. A status equal to the current one is not written.
 *
 * Returns the object as written (or as read, when nothing was written), or `null` when the
 * object does not exist. A kind without a status subresource fails with NotFound.
 */
export async function updateStatus<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  compute: (current: T) => unknown,
  options: UpdateStatusOptions = {},
): Promise<T | null> {
  const request = options.signal ? { signal: options.signal } : {};
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    const current = await client.get<T>(type, namespace, name, request);
    if (!current) return null;
    const computed = compute(structuredClone(current));
    if (computed === undefined) return current;
    // Compare what would go over the wire: properties set to undefined are not sent.
    const status: unknown = JSON.parse(JSON.stringify(computed));
    if (isDeepStrictEqual(status, current.status)) return current;
    try {
      return await client.replace<T>(
        type,
        namespace,
        name,
        { ...current, status },
        { ...request, subresource: 'status' },
      );
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') && attempt < maxAttempts) continue;
      // NotFound means the object went away, or its kind has no status subresource.
      if (isKubernetesError(error, 'NotFound')) {
        if (!(await client.get<T>(type, namespace, name, request))) return null;
      }
      throw error;
    }
  }
}
