import type { KubeObject } from '@roundhouse/kube';

/**
 * Whether `found`, read by name, is still the object with `uid` that a write was decided about.
 * Another uid under the same name is an object created after that one was deleted: to such a
 * write it is as good as gone, and its own events reconcile it afresh. Without a uid to hold it
 * to, any object found is taken (its uid then pins the retries, see `pinnedUid`).
 */
export function isSameObject(
  uid: string | undefined,
  found: KubeObject | null | undefined,
): found is KubeObject {
  if (!found) return false;
  return uid === undefined || uid === '' || found.metadata?.uid === uid;
}

/**
 * The uid the writes of one call are held to: the one asked for, else that of the first object
 * read, so that a retry after a conflict never moves on to an object re-created under the name.
 */
export function pinnedUid(uid: string | undefined, found: KubeObject | null): string | undefined {
  return uid || found?.metadata?.uid || undefined;
}
