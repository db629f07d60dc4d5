import {
  completionTimeOf,
  type ExecutionResult,
  type ExecutionSummary,
  type FailureReason,
  formatKubeTime,
  graceRecheckAfterMs,
  isTerminalPhase,
} from '@roundhouse/core';
import { containerLostReason, isContainerLost, podDisruption } from '@roundhouse/job';
import { abandonment } from './abandonment.js';
import { pendingCause } from './pending-cause.js';
import { startupGraceEndsAt, stuckStep } from './startup-grace.js';
import { type PodState, type StepStatus, stepStatuses } from './steps.js';
import { missedStart } from './unstarted-deadline.js';

/** The execution's state as one Pod shows it, and where each of its steps is. */
export interface PodExecutionState {
  readonly result: ExecutionResult;
  readonly steps: readonly StepStatus[];
  /**
   * While a step waits with a cause that will not pass (ImagePullBackOff, a missing Secret)
   * and its grace has not run out: when it does (RFC 3339). The kubelet reports such a wait
   * once and retries in silence, so a controller looks at the execution again then.
   */
  readonly startupGraceEndsAt?: string | undefined;
}

export interface PodClock {
  readonly now: Date;
  /**
   * How long a step may wait for a cause that will not pass on its own (an image that cannot
   * be pulled, a missing Secret) before the execution fails with it; the same grace the job
   * engine gives a Job's pod. Counted from when the step began waiting: the end of the step
   * before it, else when the kubelet took the Pod, and never from before the Pod's creation.
   */
  readonly startupGraceMs: number;
}

function summary(steps: readonly StepStatus[], status: ExecutionSummary['status']) {
  return {
    status,
    completedTasks: steps.filter((s) => s.state === 'Succeeded').length,
    totalTasks: steps.length,
  };
}

function failed(
  steps: readonly StepStatus[],
  reason: string,
  message: string,
  failureReason: FailureReason,
  step?: StepStatus,
): ExecutionResult {
  return {
    phase: 'Failed',
    reason,
    message,
    summary: { ...summary(steps, 'False'), reason, message },
    failureReason,
    ...(step ? { failedTaskName: step.name } : {}),
    ...(step?.exitCode !== undefined ? { exitCode: step.exitCode } : {}),
  };
}

/** The first step, in step order, that ended with a non-zero exit code of its own. */
function exitedStep(steps: readonly StepStatus[]): StepStatus | undefined {
  return steps.find((s) => s.state === 'Failed' && !isContainerLost(s) && !notStarted(s));
}

function stepFailed(steps: readonly StepStatus[], exited: StepStatus): ExecutionResult {
  const detail = exited.message ? `: ${exited.message}` : '';
  return failed(
    steps,
    'StepFailed',
    `step ${exited.name} exited with code ${exited.exitCode} (${exited.reason ?? 'Error'})${detail}`,
    exited.reason === 'OOMKilled' ? 'OOMKilled' : 'TaskFailed',
    exited,
  );
}

/**
 * How a step that cannot start fails the run: with its `cause` (a class saying the workflow
 * never ran) only when no step ran; once one did, the workflow acted on the target, and a
 * controller that read the run as never started would take the target as untouched.
 */
function startFailure(cause: FailureReason, started: boolean | undefined): FailureReason {
  return started === false ? cause : 'TaskFailed';
}

function failedPod(
  pod: PodState,
  steps: readonly StepStatus[],
  started: boolean | undefined,
): ExecutionResult {
  const failedStep = steps.find((s) => s.state === 'Failed');
  // Ended by the cluster (deadline, eviction, preemption): the steps were killed, so their exit
  // codes say how they stopped, not why.
  const disruption = podDisruption(pod.status);
  const stopped = failedStep ?? interruptedStep(steps);
  if (disruption?.reason === 'DeadlineExceeded') {
    const message = disruption.message ?? 'the pod ran past its activeDeadlineSeconds';
    return failed(steps, 'DeadlineExceeded', message, 'DeadlineExceeded', stopped);
  }
  if (disruption) {
    const message = disruption.message ?? `the pod failed (${disruption.reason})`;
    return failed(steps, disruption.reason, message, 'Unknown', stopped);
  }
  const exited = exitedStep(steps);
  if (exited) return stepFailed(steps, exited);
  // The runtime could not start the step: its image has no /bin/sh, or its workingDir cannot
  // be entered. Exit code 128 is the runtime's, and no line of the workflow ran.
  const unstarted = steps.find(notStarted);
  if (unstarted) {
    const { name, state } = unstarted;
    const cause = startFailure('ConfigurationError', started);
    return failed(steps, 'StartFailed', cannotStart(unstarted), cause, { name, state });
  }
  // Only lost steps failed: the node or its runtime ended them, not the workflow.
  if (failedStep) {
    const { name, state, message } = failedStep;
    return failed(
      steps,
      containerLostReason,
      `step ${name} was lost without an exit status (${containerLostReason})${message ? `: ${message}` : ''}`,
      'Unknown',
      { name, state },
    );
  }
  const message = pod.status?.message ?? 'the pod failed (PodFailed)';
  return failed(steps, 'PodFailed', message, 'Unknown', interruptedStep(steps));
}

/**
 * The step a Pod the cluster failed was running, as its last report shows it: a controller that
 * fails a Pod in its kubelet's stead changes only the phase (PodGC, for a Pod whose node is gone
 * with `DeletionByPodGC`, and with no condition at all for one terminating on an out-of-service
 * node), so the killed step still reads running.
 */
function interruptedStep(steps: readonly StepStatus[]): StepStatus | undefined {
  const step = steps.find((s) => s.state === 'Running');
  return step ? { name: step.name, state: step.state } : undefined;
}

/**
 * The terminated reasons of a container the runtime created but could not start (runc's exec of
 * `/bin/sh` or its chdir into `workingDir` failed): containerd's and CRI-O's `StartError` (exit
 * code 128), and cri-dockerd's `ContainerCannotRun` (Docker's own code, 127 for a missing
 * `/bin/sh`). A step that was never going to run as written, as a `CreateContainerError` is.
 */
const startErrorReasons: ReadonlySet<string> = new Set(['StartError', 'ContainerCannotRun']);

/** Why `step` cannot start, in the words of the kubelet or the runtime. */
function cannotStart({ name, reason, message }: StepStatus): string {
  return `step ${name} cannot start: ${reason}${message ? `: ${message}` : ''}`;
}

function notStarted(step: StepStatus): boolean {
  return step.state === 'Failed' && startErrorReasons.has(step.reason ?? '');
}

/**
 * Whether a step ran: it runs, ended with an exit code of its own, or is an init step the
 * kubelet implies succeeded. A step the kubelet lost ran only if it has a start time: the
 * kubelet writes the same placeholder status for a container that never started.
 */
function ran(step: StepStatus): boolean {
  if (step.state === 'Running' || step.state === 'Succeeded') return true;
  if (step.state !== 'Failed' || notStarted(step)) return false;
  return !isContainerLost(step) || step.startedAt !== undefined;
}

/**
 * `DisruptionTarget` reasons of controllers that end a Pod in its kubelet's stead, once its node
 * stopped answering (the taint manager) or is gone (PodGC).
 */
const endedWithoutKubelet: ReadonlySet<string> = new Set([
  'DeletionByTaintManager',
  'DeletionByPodGC',
]);

/**
 * Whether the steps' statuses may be the kubelet's last report rather than its last word: the
 * Pod is being deleted and the kubelet has not confirmed its end (its node may not be
 * answering), or a controller ended it in the kubelet's stead. A step the kubelet still showed
 * waiting may have started since, and may still run on its node.
 */
function kubeletMayNotHaveReported(pod: PodState): boolean {
  if (pod.metadata?.deletionTimestamp && !isPodFinished(pod)) return true;
  return (pod.status?.conditions ?? []).some(
    (c) =>
      c.type === 'DisruptionTarget' &&
      c.status === 'True' &&
      endedWithoutKubelet.has(c.reason ?? ''),
  );
}

/**
 * Whether the workflow began to run (`ExecutionResult.started`): true once a step ran; false
 * when every step still waits, was skipped or could not be started, so none of the workflow's
 * code ran (a Pod the kubelet refused at admission, `OutOfcpu`; one evicted or deleted before
 * its first step; an image without /bin/sh); undefined when the engine cannot know: the only
 * steps that ended are lost ones that may never have started, or the statuses that show no step
 * ran may not be the kubelet's last word (see `kubeletMayNotHaveReported`).
 */
function workflowStarted(pod: PodState, steps: readonly StepStatus[]): boolean | undefined {
  if (steps.some(ran)) return true;
  const lost = steps.some((s) => s.state === 'Failed' && isContainerLost(s));
  return lost || kubeletMayNotHaveReported(pod) ? undefined : false;
}

/** The latest of `times` that is an RFC 3339 time. */
function latest(times: readonly (string | null | undefined)[]): string | undefined {
  let found: string | undefined;
  for (const time of times) {
    const valid = completionTimeOf(time);
    if (valid && (found === undefined || Date.parse(valid) > Date.parse(found))) found = valid;
  }
  return found;
}

/**
 * When the kubelet failed the Pod for its `activeDeadlineSeconds`: counted from the `startTime`
 * it wrote, it changes no condition then when no step was ready.
 */
function deadlineEnd(pod: PodState): string | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = Date.parse(pod.status?.startTime ?? '');
  if (pod.status?.reason !== 'DeadlineExceeded' || !seconds || Number.isNaN(start)) {
    return undefined;
  }
  return formatKubeTime(new Date(start + seconds * 1000));
}

/**
 * When an ended Pod finished (`ExecutionResult.completionTime`): the latest of its steps' ends,
 * the changes of its conditions (the kubelet's as it ends the Pod, an eviction's) and, past its
 * deadline, the deadline; each is no later than the end, and the last step's end alone can be
 * far earlier (a deadline or an eviction while the next step waited). Never after `now`: a node
 * clock ahead of this one. A controller that sees the end late (a restart, a dropped watch) then
 * still records when it happened, and never before it did.
 */
function podFinishedAt(pod: PodState, steps: readonly StepStatus[], now: Date): string | undefined {
  const end = latest([
    ...steps.map((s) => s.finishedAt),
    ...(pod.status?.conditions ?? []).map((c) => c.lastTransitionTime),
    deadlineEnd(pod),
  ]);
  if (end === undefined) return undefined;
  return Date.parse(end) > now.getTime() ? formatKubeTime(now) : end;
}

/**
 * Maps a Pod to the execution's result and its steps' statuses. The Pod's phase decides the
 * end; before it, the steps do: Running once any step has started (so the phase never moves
 * back while a sequential Pod is between steps, and while a step runs whatever another cannot
 * start), Pending before. A result says whether the workflow `started` unless the engine cannot
 * know, and an ended Pod's says when it finished (`completionTime`).
 */
export function podExecutionState(pod: PodState, clock: PodClock): PodExecutionState {
  const steps = stepStatuses(pod);
  const started = workflowStarted(pod, steps);
  const result = podResult(pod, steps, started, clock);
  const completionTime =
    isPodFinished(pod) || stepsEnded(steps) ? podFinishedAt(pod, steps, clock.now) : undefined;
  const graceEndsAt = isTerminalPhase(result.phase)
    ? undefined
    : startupGraceEndsAt(pod, steps, clock.now, clock.startupGraceMs);
  const recheckAfterMs = graceEndsAt
    ? graceRecheckAfterMs(Date.parse(graceEndsAt), clock.now.getTime())
    : undefined;
  return {
    steps,
    result: {
      ...result,
      ...(started !== undefined ? { started } : {}),
      ...(completionTime ? { completionTime } : {}),
      ...(recheckAfterMs !== undefined ? { recheckAfterMs } : {}),
    },
    ...(graceEndsAt ? { startupGraceEndsAt: graceEndsAt } : {}),
  };
}

function podResult(
  pod: PodState,
  steps: StepStatus[],
  started: boolean | undefined,
  clock: PodClock,
): ExecutionResult {
  const total = steps.length;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return succeeded(steps);
  if (phase === 'Failed') return failedPod(pod, steps, started);
  // Every step ended, yet the Pod runs on: a container that is no step (a classic mesh proxy)
  // keeps it Running until that exits, which may be never, or the kubelet has yet to write the
  // phase. The workflow is over either way, and its steps say how it went.
  if (stepsEnded(steps)) {
    return steps.every((s) => s.state === 'Succeeded')
      ? succeeded(steps)
      : failedPod(pod, steps, started);
  }
  const abandoned = abandonment(pod, clock);
  if (abandoned) {
    return failed(steps, abandoned.reason, abandoned.message, 'Unknown', interruptedStep(steps));
  }
  const missed = missedStart(pod, clock.now);
  if (missed) return failed(steps, 'DeadlineExceeded', missed, 'DeadlineExceeded');
  const stuck = stuckStep(pod, steps, clock.now, clock.startupGraceMs);
  const running = steps.filter((s) => s.state === 'Running');
  // A step that runs may still be acting on the target, so the run is not over while it does,
  // whatever another step cannot start (a parallel Pod): the kubelet lets it run to its end.
  if (running.length > 0) {
    const position = (s: StepStatus) => `${s.name} (${steps.indexOf(s) + 1}/${total})`;
    const message = `running step ${running.map(position).join(', ')}${stuck ? `; ${cannotStart(stuck.step)}` : ''}`;
    return {
      phase: 'Running',
      reason: 'StepRunning',
      message,
      summary: { ...summary(steps, 'Unknown'), reason: 'StepRunning', message },
    };
  }
  if (stuck) {
    // The kubelet keeps a parallel Pod running while one step waits, so a step that exited
    // non-zero meanwhile has not failed the Pod: it is the failure, with its own exit code.
    const exited = exitedStep(steps);
    if (exited) return stepFailed(steps, exited);
    const cause = startFailure(stuck.cause, started);
    return failed(steps, 'StartFailed', cannotStart(stuck.step), cause, stuck.step);
  }
  if (phase === 'Running' || steps.some((s) => s.state !== 'Waiting')) {
    const message = `${summary(steps, 'Unknown').completedTasks}/${total} step(s) done, next step starting`;
    return { phase: 'Running', reason: 'Running', message, summary: summary(steps, 'Unknown') };
  }
  const message = pod.status?.message ?? pendingCause(pod, steps);
  return { phase: 'Pending', reason: 'PodPending', message, summary: summary(steps, 'Unknown') };
}

function succeeded(steps: readonly StepStatus[]): ExecutionResult {
  const message = `all ${steps.length} step(s) succeeded`;
  return {
    phase: 'Completed',
    reason: 'Succeeded',
    message,
    summary: { ...summary(steps, 'True'), reason: 'Succeeded', message },
  };
}

/** Whether every step has ended: the workflow is over, whatever else the Pod still runs. */
function stepsEnded(steps: readonly StepStatus[]): boolean {
  return steps.length > 0 && steps.every((s) => s.state === 'Succeeded' || s.state === 'Failed');
}

/** Whether the Pod has ended, so its lock is stale rather than busy. */
export function isPodFinished(pod: PodState): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}
