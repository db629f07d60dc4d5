import { podDisruption } from '@roundhouse/job';
import { type PodState, stepStatuses } from './steps.js';

/**
 * Whether the Pod's deletion, not its steps, decides how it ends: someone deleted it (a cleanup
 * that stopped the execution, a user) while it ran. The kubelet then kills its steps, whose exit
 * codes (137, 143) would read as a step that failed; such a Pod counts as gone, as a deleted Job
 * does. A Pod that ended, or whose step failed, before the deletion was asked for keeps its
 * verdict, and one the cluster deleted (a taint, an eviction) is left to the status mapping,
 * which says so.
 */
export function stoppedByDeletion(pod: PodState): boolean {
  const deletion = pod.metadata?.deletionTimestamp;
  if (!deletion || podDisruption(pod.status)) return false;
  // deletionTimestamp is the end of the grace period: the deletion was asked for before it.
  // Both it and finishedAt are whole seconds, so a step the kubelet's SIGTERM stopped promptly
  // carries the very second of the request: only an earlier second means it ended on its own.
  const askedAt = Date.parse(deletion) - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  const steps = stepStatuses(pod);
  const ended = steps.flatMap((step) => {
    const at = Date.parse(step.finishedAt ?? '');
    return Number.isNaN(at) ? [] : [{ step, before: at < askedAt }];
  });
  if (ended.some(({ step, before }) => before && step.state === 'Failed')) return false;
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  // A step that still reads running in a Pod that ended was never stopped by its kubelet: PodGC
  // failed the Pod in its stead (its node out of service) after the deletion was asked for.
  if (!finished || steps.some((step) => step.state === 'Running')) return true;
  return ended.some(({ before }) => !before);
}
