import type { KubeObject } from './kube-client.js';

/**
 * Whether an object the API server answered a write with is still stored. A write that leaves
 * an object being deleted (its deletionTimestamp set) with no finalizer and no grace period to
 * wait out deletes it instead, and is answered with the object as written, which is then gone
 * (apiserver registry/generic/registry/store.go: `ShouldDeleteDuringUpdate`,
 * `deleteWithoutFinalizers`): so a finalizer removal answers whether it completed a deletion.
 * The answer keeps the version the object had, so a cache comparing versions does not take it
 * for news; a caller must.
 */
export function isStillStored(answer: KubeObject): boolean {
  const { deletionTimestamp, deletionGracePeriodSeconds, finalizers } = answer.metadata ?? {};
  if (deletionTimestamp === undefined) return true;
  return (finalizers?.length ?? 0) > 0 || (deletionGracePeriodSeconds ?? 0) > 0;
}

/**
 * What a DELETE the API server accepted left of its object: the object as stored when it
 * stays, being deleted (`remaining`), or undefined when the object is gone.
 *
 * The API server's answer says it (store.go, `Delete`): an object that finalizers or a
 * graceful deletion keep is updated (its deletionTimestamp set) and answered as stored; one
 * removed from storage is answered as it was last stored by a kind whose registry returns the
 * deleted object (pods, custom resources), and by a `Status` of success otherwise (Jobs,
 * ConfigMaps). So an object in the answer stays exactly when it is being deleted and still
 * stored by the rule of `isStillStored`.
 */
export function remainingAfterDelete(answer: KubeObject): KubeObject | undefined {
  if (answer.kind === 'Status' || answer.metadata?.deletionTimestamp === undefined)
    return undefined;
  return isStillStored(answer) ? answer : undefined;
}
