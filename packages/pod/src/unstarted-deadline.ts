import type { PodState } from './steps.js';

/**
 * Why a pod that no node has started is past its deadline (the failure's message), if it is.
 * The kubelet alone enforces `activeDeadlineSeconds`, counted from the `startTime` it writes
 * when it takes the pod; a pod the scheduler cannot place (or whose node never takes it) has
 * none, so nothing would ever fail it. Its deadline is counted from its creation instead, as the
 * Job controller counts a Job's.
 */
export function missedStart(pod: PodState, now: Date): string | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  if (seconds === undefined || seconds === null || pod.status?.startTime) return undefined;
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  if (!(now.getTime() - created >= seconds * 1000)) return undefined;
  const why = unscheduled(pod) ?? 'its node never took it (the kubelet wrote no startTime)';
  return `pod ${pod.metadata?.name ?? '?'} was not started within its deadline (${seconds}s): ${why}`;
}

/**
 * Why the scheduler has not placed the pod, in its words (`Unschedulable: 0/3 nodes are
 * available: …`), while it has not; undefined once the pod is bound to a node.
 */
export function unscheduled(pod: PodState): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'True') return undefined;
  return `${scheduled?.reason ?? 'not scheduled'}${scheduled?.message ? `: ${scheduled.message}` : ''}`;
}
