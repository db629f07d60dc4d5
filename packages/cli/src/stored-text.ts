/**
 * A value read from the cluster as text to show. The views are typed by the CRD the CLI ships,
 * but what a cluster stores follows the CRD installed there (an older one, kubernaut's, one
 * with `x-kubernetes-preserve-unknown-fields`): a phase may be an object, an exit code a
 * string. Shown as its JSON, it is still seen, and no view fails on it.
 */
export function storedText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/** A list read from the cluster: anything but an array is no list. */
export function storedList<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/**
 * A timestamp read from the cluster, in epoch milliseconds; undefined for anything but a
 * string that parses. `Date.parse` of an object converts it first, and one stored with its own
 * `toString` field (`{"toString": 1}`) cannot be converted: it would throw.
 */
export function storedTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
