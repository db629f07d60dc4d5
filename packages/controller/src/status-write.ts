import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject, ResourceOf } from '@roundhouse/kube';
import { isKubernetesError } from '@roundhouse/kube';
import { withoutManagedFields } from './cached-object.js';
import { mergePatchOf } from './merge-patch.js';
import { isSameObject, pinnedUid } from './same-object.js';

/**
 * Writes `status` onto `current` through the status subresource, conditionally on the
 * resourceVersion `current` was read at: a JSON merge patch of what changed (a few fields
 * instead of the whole object), or, for a status holding a `null` that a merge patch cannot
 * express, a replace of the whole object. Either way a copy that moved on gets a Conflict.
 */
async function writeStatus<T extends KubeObject>(
  client: Pick<KubeClient, 'patch' | 'replace'>,
  type: ResourceOf<T>,
  namespace: string | undefined,
  name: string,
  current: T,
  status: unknown,
  request: { signal?: AbortSignal | undefined },
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

/** What one attempt of `writeStatusConditionally` decided from the object it read. */
export interface StatusDecision {
  readonly status: unknown;
  /** Done before the status is written, and again on each attempt that writes. */
  readonly beforeWrite?:
    | ((request: { signal?: AbortSignal | undefined }) => Promise<void>)
    | undefined;
}

/** `updateStatus`'s and `recordThenUpdateStatus`'s options, which each document for itself. */
export interface StatusWriteOptions<T extends KubeObject> {
  readonly signal?: AbortSignal | undefined;
  readonly maxAttempts?: number | undefined;
  readonly current?: T | undefined;
  readonly uid?: string | undefined;
  readonly copy?: boolean | undefined;
}

/**
 * The read, decide, write loop both status writers share: the first attempt decides from
 * `current` when given, later ones from a fresh read; a status equal to the one read is not
 * written; a Conflict reads again and decides again; an object re-created under the name (another
 * uid than the one pinned) or gone reads as `null`.
 */
export async function writeStatusConditionally<T extends KubeObject>(
  client: Pick<KubeClient, 'get' | 'patch' | 'replace'>,
  type: ResourceOf<T>,
  namespace: string | undefined,
  name: string,
  decide: (current: T) => StatusDecision | undefined,
  options: StatusWriteOptions<T>,
): Promise<T | null> {
  const request = options.signal ? { signal: options.signal } : {};
  const maxAttempts = options.maxAttempts ?? 5;
  let known = options.current?.metadata?.resourceVersion ? options.current : undefined;
  let uid = options.uid || options.current?.metadata?.uid;
  for (let attempt = 1; ; attempt += 1) {
    const current = known ?? (await client.get<T>(type, namespace, name, request));
    known = undefined;
    uid = pinnedUid(uid, current);
    if (!isSameObject(uid, current)) return null;
    const decision = decide(options.copy === false ? current : structuredClone(current));
    if (decision === undefined) return current;
    // Compare what would go over the wire: properties set to undefined are not sent.
    const status: unknown = JSON.parse(JSON.stringify(decision.status));
    if (isDeepStrictEqual(status, current.status)) return current;
    await decision.beforeWrite?.(request);
    try {
      return await writeStatus(client, type, namespace, name, current, status, request);
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') && attempt < maxAttempts) continue;
      // NotFound means the object went away, or its kind has no status subresource.
      if (isKubernetesError(error, 'NotFound')) {
        if (!isSameObject(uid, await client.get<T>(type, namespace, name, request))) return null;
      }
      throw error;
    }
  }
}
