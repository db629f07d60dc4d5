import { formatKubeTime, printableText } from '@roundhouse/core';
import type { PodExecutionStatus, StepStatus, TaskRunPhase, TaskRunStatus } from '@roundhouse/pod';

/**
 * Pure status transitions. Each takes the TaskRun's status as last read from the API server and
 * returns the new one, or undefined when the transition no longer applies: a status write
 * re-runs them on a conflict, and a finished run never changes again.
 */

type Status = TaskRunStatus | undefined;

export function isFinished(status: Status): boolean {
  return status?.phase === 'Succeeded' || status?.phase === 'Failed';
}

const phases: Readonly<Record<PodExecutionStatus['result']['phase'], TaskRunPhase>> = {
  Pending: 'Pending',
  Running: 'Running',
  Completed: 'Succeeded',
  Failed: 'Failed',
};

/**
 * The run as its Pod shows it. Called on every reconcile while the Pod exists, so a run whose
 * status write failed after its Pod was created catches up at the next one.
 */
export function observePod(status: Status, pod: PodExecutionStatus, now: Date): Status {
  if (isFinished(status)) return undefined;
  const { result } = pod;
  const phase = phases[result.phase];
  const finished = phase === 'Succeeded' || phase === 'Failed';
  // The kubelet's activeDeadlineSeconds is the run's timeout.
  const reason = result.failureReason === 'DeadlineExceeded' ? 'TimedOut' : result.reason;
  // The Pod's own end (its last step's finish, or its deadline) when the engine read one: a
  // run observed late, after a restart or a slow watch, still ends when it ended.
  const completionTime = result.completionTime ?? formatKubeTime(now);
  // A step's message is that log whole, which `kubectl describe taskrun` prints: escaped too.
  const steps = pod.steps.map((step) =>
    step.message === undefined
      ? { ...step }
      : { ...step, message: printableText(step.message, '\n\t') },
  );
  return {
    ...status,
    phase,
    reason,
    // It quotes a step's termination log, the author's text, which whoever reads the run sees
    // in a terminal: control and format characters as escapes, its lines and tabs kept.
    message: printableText(result.message, '\n\t'),
    podName: pod.podName,
    startTime: status?.startTime ?? pod.createdAt ?? formatKubeTime(now),
    stepStatuses: phase === 'Failed' ? stepsEnded(steps, reason, completionTime) : steps,
    ...(result.failureReason ? { failureReason: result.failureReason } : {}),
    ...(finished ? { completionTime } : {}),
  };
}

/**
 * The steps of a run that failed, none of them still waiting or running. A step that ran is
 * `Failed` with the run's reason and its end, with no exit code, since none was seen: a Pod the
 * cluster failed in its kubelet's stead (the pod garbage collector's DeletionByPodGC, a lost
 * node) changes only its phase, so its killed step still reads running, and a run the
 * controller fails (its timeout, a step that cannot start, its Pod deleted) has its Pod deleted
 * with the steps as they were. One that never started is `Skipped`, keeping why it waited. As
 * Tekton's failTaskRun terminates a failed run's running and waiting steps with the run's
 * reason.
 */
function stepsEnded(steps: readonly StepStatus[], reason: string, finishedAt: string) {
  return steps.map((step): StepStatus => {
    if (step.state === 'Running') return { ...step, state: 'Failed', reason, finishedAt };
    return step.state === 'Waiting' ? { ...step, state: 'Skipped' } : step;
  });
}

/** Failed before any Pod ran: the Task is missing or invalid, the params do not fit, ... */
export function markRejected(status: Status, reason: string, message: string, now: Date): Status {
  if (isFinished(status) || status?.podName) return undefined;
  return { ...status, phase: 'Failed', reason, message, completionTime: formatKubeTime(now) };
}

/**
 * Pending without a Pod, for something that may still come (the Task, room in the quota). The
 * first such write starts the run, as Tekton's first reconcile sets a TaskRun's `startTime`: its
 * timeout counts from then, so a run held without a Pod cannot wait for ever.
 */
export function markWaiting(status: Status, reason: string, message: string, now: Date): Status {
  if (isFinished(status) || status?.podName) return undefined;
  return {
    ...status,
    phase: 'Pending',
    reason,
    message,
    startTime: status?.startTime ?? formatKubeTime(now),
  };
}

/**
 * Past the timeout while held without a Pod (its Task missing, its Pod refused for now): why
 * it waited, the last waiting status's message, goes with it.
 */
export function markNotStarted(status: Status, timeout: string, now: Date): Status {
  if (isFinished(status) || status?.podName) return undefined;
  const why = status?.message ? `: ${status.message}` : '';
  return {
    ...status,
    phase: 'Failed',
    reason: 'TimedOut',
    message: `the run did not start within its timeout of ${timeout}${why}`,
    failureReason: 'DeadlineExceeded',
    completionTime: formatKubeTime(now),
  };
}

/** Past the timeout on the controller's clock (the kubelet may not have enforced it yet). */
export function markTimedOut(
  status: Status,
  pod: PodExecutionStatus,
  timeout: string,
  now: Date,
): Status {
  const observed = observePod(status, pod, now);
  if (!observed) return undefined;
  const completionTime = formatKubeTime(now);
  return {
    ...observed,
    phase: 'Failed',
    reason: 'TimedOut',
    message: `the run did not finish within its timeout of ${timeout}`,
    failureReason: 'DeadlineExceeded',
    completionTime,
    stepStatuses: stepsEnded(observed.stepStatuses ?? [], 'TimedOut', completionTime),
  };
}

/**
 * The Pod `podName` went away before it finished (deleted by someone else), perhaps before any
 * status named it: the run is not started again, since its steps may have run.
 */
export function markPodDeleted(status: Status, podName: string, now: Date): Status {
  if (isFinished(status)) return undefined;
  const completionTime = formatKubeTime(now);
  return {
    ...status,
    phase: 'Failed',
    reason: 'PodDeleted',
    message: `pod ${podName} was deleted before it finished`,
    podName,
    completionTime,
    ...(status?.stepStatuses
      ? { stepStatuses: stepsEnded(status.stepStatuses, 'PodDeleted', completionTime) }
      : {}),
  };
}

/**
 * Milliseconds left before the run's deadline, measured from its start: the status's
 * `startTime` (its Pod's creation, or when it was first held without one), else the Pod's.
 */
export function remainingMs(startTime: string | undefined, timeoutMs: number, now: Date): number {
  const start = Date.parse(startTime ?? '');
  return Number.isNaN(start) ? timeoutMs : start + timeoutMs - now.getTime();
}

/** The soonest and the latest a run held without a Pod tries to create it again. */
const shortestRetryMs = 1_000;
const longestRetryMs = 300_000;

/**
 * Milliseconds until a run held without a Pod is looked at again: at its deadline (counted from
 * `startTime`, else from `now`, when it is first held), and, when its Pod's create is to be
 * tried again (`retry`), sooner: after as long as it has been held, between 1 s and 5 min, a
 * backoff that doubles without a count of failures, which a restart would lose. Without
 * `retry` (a missing Task, whose creation wakes the run) only the deadline. At least 1 ms: a
 * requeue after 0 ms is none.
 */
export function heldRequeueMs(
  startTime: string | undefined,
  timeoutMs: number,
  now: Date,
  retry: boolean,
): number {
  const start = Date.parse(startTime ?? '');
  const heldMs = Number.isNaN(start) ? 0 : now.getTime() - start;
  const left = timeoutMs - heldMs;
  const next = retry
    ? Math.min(left, Math.min(longestRetryMs, Math.max(shortestRetryMs, heldMs)))
    : left;
  return Math.max(1, next);
}

/**
 * Milliseconds until a waiting step's startup grace ends (the engine's `startupGraceEndsAt`,
 * RFC 3339), none when no step waits in it. A step the kubelet cannot start (an image it cannot
 * pull, a container it cannot create) fails the run only past the grace, and the kubelet reports
 * such a wait once and then retries in silence: no Pod event would come to show the run has
 * failed. At least 1 ms: a grace that ended between the engine's reading of its clock and `now`
 * is looked at again at once, and a requeue after 0 ms is none.
 */
export function graceLeftMs(graceEndsAt: string | undefined, now: Date): number | undefined {
  const ends = Date.parse(graceEndsAt ?? '');
  return Number.isNaN(ends) ? undefined : Math.max(1, ends - now.getTime());
}
