import type { KubeObject } from '@roundhouse/kube';
import { cacheNamespaceLabel } from './cache.js';

/** What the collector knows of a namespace: gone (null), or its uid now. */
export type NamespaceNow = { readonly uid?: string | undefined } | null;

/**
 * The entries of `namespace` to delete because they serve a namespace that no longer exists:
 * every one of them when it is gone (`current` null), else those populated in an earlier
 * namespace of that name (another uid), whose tenant may not be this one. Never another
 * namespace's entry, and never one of the namespace as it exists now, nor one that records no
 * uid while its namespace exists (populated before entries did: the name is all it has).
 */
export function entriesToCollect(
  entries: readonly KubeObject[],
  namespace: string,
  current: NamespaceNow,
): KubeObject[] {
  return entries.filter((entry) => {
    if (entry.metadata?.labels?.[cacheNamespaceLabel] !== namespace) return false;
    if (current === null) return true;
    const recorded = (entry as { data?: Record<string, string> }).data?.namespaceUid;
    return recorded !== undefined && current.uid !== undefined && recorded !== current.uid;
  });
}
