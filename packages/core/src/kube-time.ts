/**
 * Kubernetes' two wire forms of a point in time. Every timestamp Roundhouse writes goes through
 * one of these, so a status never mixes precisions and Go clients parse every value.
 */

/** metav1.Time: RFC 3339 in UTC with whole seconds, as Go controllers write it. */
export function formatKubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** metav1.MicroTime (Leases, events.k8s.io): RFC 3339 in UTC with six fractional digits. */
export function formatKubeMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
