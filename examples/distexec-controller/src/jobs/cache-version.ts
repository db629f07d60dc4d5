/**
 * Whether a cache current to `cacheVersion` (the resourceVersion of the informer's last list,
 * event or bookmark) reflects a write the API server answered with `written`: it then holds
 * the object if the object is still there. kube-apiserver's resourceVersions are etcd
 * revisions, one sequence for every object of a resource, compared as integers (as
 * `isOlder` does); anything that is not an integer is never called reflected, so an unknown
 * format only means waiting for the object's own event.
 */
export function cacheReflects(cacheVersion: string, written: string | undefined): boolean {
  if (written === undefined || !/^\d+$/.test(cacheVersion) || !/^\d+$/.test(written)) {
    return false;
  }
  return BigInt(cacheVersion) >= BigInt(written);
}
