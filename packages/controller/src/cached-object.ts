import type { KubeObject } from '@roundhouse/kube';

/** The default cache transform: everything but `metadata.managedFields`. */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata } as T;
}

/**
 * Whether `a` is an older version of the same object than `b`. resourceVersions are opaque in
 * principle; kube-apiserver's are etcd revisions, compared as integers. Anything that is not
 * an integer is never called older, so an unknown format falls back to plain watch order.
 */
export function isOlder(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  const left = a?.metadata?.resourceVersion;
  const right = b?.metadata?.resourceVersion;
  if (!left || !right || !/^\d+$/.test(left) || !/^\d+$/.test(right)) return false;
  if (a?.metadata?.uid !== b?.metadata?.uid) return false;
  return BigInt(left) < BigInt(right);
}

/**
 * Whether `a` and `b` are the same version of the same object. A resourceVersion names one
 * version exactly, whatever its format, so equal strings need no integer comparison.
 */
export function isSameVersion(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  const version = a?.metadata?.resourceVersion;
  return (
    version !== undefined &&
    version === b?.metadata?.resourceVersion &&
    a?.metadata?.uid === b?.metadata?.uid
  );
}
