import type { KubeObject } from '@roundhouse/kube';
import { cacheNamespaceLabel } from './cache.js';

/**
 * `--max-cache-entries-per-namespace` unless set. Every namespace's entries share the execution
 * namespace (and any `count/configmaps` quota there) and the controller's memory, so one
 * namespace churning keys must not fill it: a thousand entries of a few hundred bytes each.
 */
export const defaultMaxCacheEntriesPerNamespace = 1000;

/**
 * The entries to delete before `namespace` stores one more, so that it then holds at most
 * `max`: its own oldest first (by creation, then name, which the API server orders its lists
 * by), never another namespace's, so no namespace pushes out more than its own entries.
 * `entries` are the cache's entries as the controller's informer holds them.
 */
export function entriesToEvict(
  entries: readonly KubeObject[],
  namespace: string,
  max: number,
): KubeObject[] {
  const own = entries.filter((e) => e.metadata?.labels?.[cacheNamespaceLabel] === namespace);
  const excess = own.length - max + 1;
  if (excess <= 0) return [];
  return own.sort(byAge).slice(0, excess);
}

function byAge(a: KubeObject, b: KubeObject): number {
  const created = (o: KubeObject) => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;
  const name = (o: KubeObject) => o.metadata?.name ?? '';
  return created(a) - created(b) || name(a).localeCompare(name(b));
}
