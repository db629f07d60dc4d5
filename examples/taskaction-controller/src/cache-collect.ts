import { judgeReservation, LeaseSchema, type ReservationFacts } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import {
  cacheLabel,
  cacheNamespaceLabel,
  fromEarlierNamespace,
  type NamespaceNow,
} from './cache.js';

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

/**
 * The reservation Leases of `namespace` to delete because nobody holds them: expired (a holder
 * deleted or ended without giving it up, say while no controller ran) or with no holder, as a
 * waiter judges it (`judgeReservation`, with what `factsOf` knows of each Lease, the heartbeat the
 * same). A waiter would take such a Lease over, so deleting it takes nothing from anyone, and
 * without a waiter it would stay for ever, counted by any quota on the shared namespace's
 * Leases. Never one held (whatever its age, when its holder is an action under way), nor
 * another namespace's, nor one that does not parse as a Lease (not this controller's to judge).
 */
export function reservationsToCollect(
  leases: readonly KubeObject[],
  namespace: string,
  factsOf: (lease: KubeObject) => ReservationFacts,
  now: Date,
  heartbeatMs: number,
): KubeObject[] {
  return leases.flatMap((object) => {
    const labels = object.metadata?.labels;
    if (labels?.[cacheLabel] !== 'reservation' || labels[cacheNamespaceLabel] !== namespace) {
      return [];
    }
    const parsed = LeaseSchema.safeParse(object);
    if (!parsed.success) return [];
    // No action's uid is empty: judged as a waiter, which is not the holder.
    const judged = judgeReservation(parsed.data.spec, '', factsOf(object), now, heartbeatMs);
    return judged.state === 'free' ? [object] : [];
  });
}
