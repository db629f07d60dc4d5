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

/**
 * Whether `next` differs from `old` only in what no handler reads: `metadata.resourceVersion`
 * and `metadata.managedFields`. A cache whose transform keeps a few fields (a pod's phase and
 * container states) sees many such versions (a pod scheduled, its IP set, a condition the
 * transform drops), and waking handlers for them costs a reconcile that finds nothing to do;
 * controller-runtime's ResourceVersionChangedPredicate-style filters drop them the same way.
 */
export function isSameApartFromVersion(old: KubeObject, next: KubeObject): boolean {
  const before = old as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  // Status and metadata first: they are what most versions change, and a spec can be large.
  return (
    isEqualJson(before.status, after.status) &&
    isEqualJson(before.metadata ?? {}, after.metadata ?? {}, ignoredMetadata) &&
    isEqualJson(before, after, topLevel)
  );
}

const topLevel = new Set(['metadata', 'status']);
const ignoredMetadata = new Set(['resourceVersion', 'managedFields']);

/**
 * Deep equality of values parsed from JSON (plain objects, arrays and primitives), ignoring the
 * keys in `skip` of the outermost object only.
 */
function isEqualJson(a: unknown, b: unknown, skip?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // Own keys only: `in` also finds what every object inherits, so a label named `constructor`
  // added in the new version would read as present in the old.
  for (const key of Object.keys(right)) {
    if (!Object.hasOwn(left, key) && !skip?.has(key)) return false;
  }
  for (const key of Object.keys(left)) {
    if (skip?.has(key)) continue;
    if (!Object.hasOwn(right, key) || !isEqualJson(left[key], right[key])) return false;
  }
  return true;
}
