import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { isKubernetesError } from '@roundhouse/kube';
import { isSameObject, pinnedUid } from './same-object.js';
import { writeStatus } from './status-write.js';

export interface UpdateStatusOptions<T extends KubeObject = KubeObject> {
  readonly signal?: AbortSignal;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number;
  /**
   * The object as the caller last saw it (e.g. from an informer cache). The first attempt
   * computes from it and writes conditionally on its resourceVersion, saving a read; a stale
   * copy only costs a conflict, after which the object is read fresh.
   */
  readonly current?: T;
  /**
   * Writes only onto the object with this uid (default `current`'s, else that of the first object
   * read, so a retry after a conflict stays on it): one created under the same name after it was
   * deleted reads as gone, and `null` is returned. A status decided about one object must not
   * land on its successor, which its own events reconcile.
   */
  readonly uid?: string | undefined;
  /**
   * Whether `compute` is handed a deep copy of the object (default true), so a compute that
   * mutates what it is given cannot corrupt `current`, which is often the cache's own object.
   * Turn it off only for a compute that never mutates its argument: a copy of a whole object
   * on every write is a measurable share of a busy controller's CPU.
   */
  readonly copy?: boolean;
}

/**
 * Writes an object's status through its status subresource. It reads the object, hands a copy
 * to `compute` (a pure function of the current object returning the new status, or undefined
 * to leave it alone; see `copy`), and replaces the status conditionally on the resourceVersion it read. On
 * a conflict it reads again and recomputes, so a concurrent writer's change is built upon, not
 * overwritten. A status equal to the current one is not written.
 *
 * The write is a JSON merge patch of what changed, carrying the resourceVersion read (the API
 * server refuses it with a conflict when the object moved on), so the request holds a few
 * fields instead of the whole object. A status holding a `null`, which a merge patch cannot
 * express, is written whole with a replace instead.
 *
 * Returns the object as written (or as read, when nothing was written), or `null` when the
 * object does not exist (or another object has taken its name, see `uid`). A kind without a status subresource fails with NotFound.
 */
export async function updateStatus<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  compute: (current: T) => unknown,
  options: UpdateStatusOptions<T> = {},
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
    const computed = compute(options.copy === false ? current : structuredClone(current));
    if (computed === undefined) return current;
    // Compare what would go over the wire: properties set to undefined are not sent.
    const status: unknown = JSON.parse(JSON.stringify(computed));
    if (isDeepStrictEqual(status, current.status)) return current;
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
