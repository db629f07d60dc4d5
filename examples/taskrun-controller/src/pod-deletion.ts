import type { PodExecutionStatus } from '@roundhouse/pod';
import { tooLargeReason } from './run-size.js';
import { remainingMs } from './status.js';

/** Whether the Pod has ended: no step waits to start or runs. */
export function podEnded(pod: PodExecutionStatus): boolean {
  return pod.steps.every((step) => step.state !== 'Waiting' && step.state !== 'Running');
}

/**
 * Whether what the Pod shows would have it deleted: its run past the deadline while it goes on
 * (timed out), or failed while a step still waits or runs (a step that cannot start). A verdict
 * read from the cache is read again from the API server before it is acted on: a cache behind a
 * watch that went quiet can show going on a Pod that has finished, or a step still waiting for
 * an image the kubelet has since pulled, and deleting the Pod on that would fail a run that
 * succeeded, or stop one that runs.
 */
export function deletesPod(
  pod: PodExecutionStatus,
  startTime: string | undefined,
  timeoutMs: number,
  now: Date,
): boolean {
  const { phase } = pod.result;
  if (phase === 'Failed') return !podEnded(pod);
  return phase !== 'Completed' && remainingMs(startTime ?? pod.createdAt, timeoutMs, now) <= 0;
}

/**
 * Why a finished run's Pod, if still there, is deleted whatever it shows: the run failed while
 * the Pod went on (its timeout, a step that could not start), or its status could not hold what
 * the Pod showed.
 */
export const stoppedReasons: ReadonlySet<string> = new Set([
  'TimedOut',
  'StartFailed',
  tooLargeReason,
]);

/**
 * Whether the Pod still has a step waiting or running, on the API server's word: what the cache
 * shows going on is read again (`read(true)`) before a finished run's Pod is deleted for it, as
 * `deletesPod` has the live path do, since a Pod that has ended since holds the run's step
 * output. A Pod the cache shows ended, or holds none of, costs no request.
 */
export async function goesOnFresh(
  read: (fresh: boolean) => Promise<PodExecutionStatus | null>,
): Promise<boolean> {
  const cached = await read(false);
  if (!cached || podEnded(cached)) return false;
  const fresh = await read(true);
  return fresh !== null && !podEnded(fresh);
}
