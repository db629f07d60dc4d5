import type { KubeObject } from '@roundhouse/kube';
import { cacheNamespaceLabel, fromEarlierNamespace, type NamespaceNow } from './cache.js';

/**
 * The entries of `namespace` to delete because they serve a namespace that no longer exists:
 * every one of them when it is gone (`current` null), else those populated in an earlier
 * namespace of that name (`fromEarlierNamespace`), whose tenant may not be this one. Never
 * another namespace's entry, nor one of the namespace as it exists now.
 */
export function entriesToCollect(
  entries: readonly KubeObject[],
  namespace: string,
  current: NamespaceNow | null,
): KubeObject[] {
  return entries.filter((entry) => {
    if (entry.metadata?.labels?.[cacheNamespaceLabel] !== namespace) return false;
    return current === null || fromEarlierNamespace(entry, current);
  });
}
