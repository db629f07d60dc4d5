import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { withoutManagedFields } from './cached-object.js';
import { mergePatchOf } from './merge-patch.js';

/**
 * Writes `status` onto `current` through the status subresource, conditionally on the
 * resourceVersion `current` was read at: a JSON merge patch of what changed (a few fields
 * instead of the whole object), or, for a status holding a `null` that a merge patch cannot
 * express, a replace of the whole object. Either way a copy that moved on gets a Conflict.
 */
export async function writeStatus<T extends KubeObject>(
  client: Pick<KubeClient, 'patch' | 'replace'>,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  current: T,
  status: unknown,
  request: { signal?: AbortSignal },
): Promise<T> {
  const resourceVersion = current.metadata?.resourceVersion;
  const patch = resourceVersion ? mergePatchOf(current.status, status) : undefined;
  if (patch !== undefined) {
    return client.patch<T>(
      type,
      namespace,
      name,
      { metadata: { resourceVersion }, status: patch },
      { ...request, strategy: 'merge', subresource: 'status' },
    );
  }
  // Without managedFields: the API server keeps its own record when a write leaves them out,
  // and a write that carries them makes it decode and check every entry (an object returned
  // by a write has them, unlike a cached one).
  return client.replace<T>(
    type,
    namespace,
    name,
    { ...withoutManagedFields(current), status },
    { ...request, subresource: 'status' },
  );
}
