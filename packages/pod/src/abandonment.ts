import { podDisruption } from '@roundhouse/job';
import type { PodClock } from './status.js';
import type { PodState } from './steps.js';

/**
 * How long past its deletion deadline (the `deletionTimestamp`, the end of its grace period) a
 * pod that has not ended is taken as abandoned: time for a slow kubelet to report.
 */
const abandonAfterMs = 30_000;

/**
 * Why a pod that is still running will never end: it was deleted (by the taint manager when its
 * node stopped answering, or by anyone) and its grace period ran out long ago, so its kubelet,
 * which alone can stop it and report, is not answering. Nothing will end it short of an
 * operator force-deleting it; its steps' outcome is unknown, and it may still run on its node.
 */
export function abandonment(pod: PodState, clock: PodClock) {
  const deadline = Date.parse(pod.metadata?.deletionTimestamp ?? '');
  if (!(clock.now.getTime() - deadline >= abandonAfterMs)) return undefined;
  const disruption = podDisruption(pod.status);
  const cause = disruption
    ? ` (${disruption.reason}${disruption.message ? `: ${disruption.message}` : ''})`
    : '';
  return {
    reason: disruption?.reason ?? 'PodNotTerminated',
    message: `pod ${pod.metadata?.name ?? '?'} was deleted${cause} and has not stopped since its grace period ended at ${pod.metadata?.deletionTimestamp}: its node is not answering, so how its steps ended is unknown`,
  };
}
