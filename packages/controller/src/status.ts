import type { KubeClient, KubeObject, ResourceOf } from '@roundhouse/kube';
import { writeStatusConditionally } from './status-write.js';

export interface UpdateStatusOptions<T extends KubeObject = KubeObject> {
  readonly signal?: AbortSignal | undefined;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number | undefined;
  /**
   * The object as the caller last saw it (e.g. from an informer cache). The first attempt
   * computes from it and writes conditionally on its resourceVersion, saving a read; a stale
   * copy only costs a conflict, after which the object is read fresh.
   */
  readonly current?: T | undefined;
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
  readonly copy?: boolean | undefined;
}

/**
 * Writes an object's status through its status subresource. It reads the object, hands a copy
 * to `compute` (a pure function of the current object returning the new status, or undefined
 * to leave it alone; see `copy`), and replaces the status conditionally on the resourceVersion
 * it read. On a conflict it reads again and recomputes, so a concurrent writer's change is built
 * upon, not overwritten. A status equal to the current one is not written.
 *
 * The write is a JSON merge patch of what changed, carrying the resourceVersion read (the API
 * server refuses it with a conflict when the object moved on), so the request holds a few
 * fields instead of the whole object. A status holding a `null`, which a merge patch cannot
 * express, is written whole with a replace instead.
 *
 * Returns the object as written (or as read, when nothing was written), or `null` when the
 * object does not exist (or another object has taken its name, see `uid`). A kind without a
 * status subresource fails with NotFound.
 */
export async function updateStatus<T extends KubeObject>(
  client: KubeClient,
  type: ResourceOf<T>,
  namespace: string | undefined,
  name: string,
  compute: (current: T) => unknown,
  options: UpdateStatusOptions<T> = {},
): Promise<T | null> {
  return writeStatusConditionally(
    client,
    type,
    namespace,
    name,
    (current: T) => {
      const status = compute(current);
      return status === undefined ? undefined : { status };
    },
    options,
  );
}
