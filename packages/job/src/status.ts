import {
  completionTimeOf,
  type ExecutionResult,
  type ExecutionSummary,
  type FailureReason,
} from '@roundhouse/core';
import { z } from 'zod';
import { containerLostReason, isContainerLost } from './container-lost.js';
import { waitFailure } from './hopeless-waits.js';
import { workflowContainerName } from './job-spec.js';
import { killedByDeletion } from './pod-deletion.js';
import { disruptionConditions, podDisruption } from './pod-disruption.js';
import { isJobSuspended } from './suspended-job.js';

const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().nullish(),
});

/** The parts of a Job the mapping reads; the API server's JSON is checked against it. */
export const JobStateSchema = z.looseObject({
  metadata: z
    .looseObject({ uid: z.string().optional(), creationTimestamp: z.string().optional() })
    .optional(),
  spec: z
    .looseObject({ completions: z.number().nullish(), managedBy: z.string().nullish() })
    .optional(),
  status: z
    .looseObject({
      active: z.number().optional(),
      ready: z.number().optional(),
      succeeded: z.number().optional(),
      failed: z.number().optional(),
      terminating: z.number().nullish(),
      uncountedTerminatedPods: z
        .looseObject({
          succeeded: z.array(z.string()).optional(),
          failed: z.array(z.string()).optional(),
        })
        .optional(),
      conditions: z.array(ConditionSchema).optional(),
      /** Set by the Job controller when it starts working on the Job. */
      startTime: z.string().nullish(),
      /** Set by the Job controller when the Job completes (a success only). */
      completionTime: z.string().nullish(),
    })
    .optional(),
});

// The pod schemas strip what they do not name: a parsed pod is exactly what the engine reads,
// and the controller's cache keeps no more of a pod than that (see cachedPod).
const TerminatedSchema = z.object({
  exitCode: z.number(),
  reason: z.string().optional(),
  message: z.string().optional(),
  // When a container that ran started; null for one the runtime never started.
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
});

const ContainerStatusSchema = z.object({
  name: z.string(),
  state: z
    .object({
      terminated: TerminatedSchema.optional(),
      running: z.object({ startedAt: z.string().nullish() }).optional(),
      waiting: z
        .object({ reason: z.string().optional(), message: z.string().optional() })
        .optional(),
    })
    .optional(),
});

const PodConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
});

/** The parts of a pod the failure and stuck-start explanations read; parsing drops the rest. */
export const PodStateSchema = z.object({
  metadata: z
    .object({
      name: z.string().optional(),
      // What a warning about the pod is held to: this pod, not an earlier one of its name.
      uid: z.string().optional(),
      creationTimestamp: z.string().optional(),
      deletionTimestamp: z.string().nullish(),
      deletionGracePeriodSeconds: z.number().nullish(),
    })
    .optional(),
  status: z
    .object({
      phase: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      // Only DisruptionTarget says anything the engine reads (see podDisruption); dropping the
      // rest keeps a parsed pod, and so a cached one, small.
      conditions: z
        .array(PodConditionSchema)
        .transform((conditions) => disruptionConditions(conditions))
        .optional(),
      containerStatuses: z.array(ContainerStatusSchema).optional(),
    })
    .optional(),
});

export type JobState = z.infer<typeof JobStateSchema>;
export type PodState = z.infer<typeof PodStateSchema>;

/** Why a pod failed, as far as its status tells. */
export interface PodFailure {
  readonly exitCode?: number | undefined;
  readonly reason: FailureReason;
  readonly description: string;
  /** False when the runtime could not start the workflow container: none of the workflow ran. */
  readonly started?: false | undefined;
}

/**
 * The terminated reason of a container the runtime created but could not start (runc's exec of
 * its command or its chdir into `workingDir` failed), with exit code 128: the runtime's code, not
 * the workflow's, and a workflow that was never going to run as written, as the pod engine reads
 * a step that ends so.
 */
const startErrorReason = 'StartError';

/**
 * The Job's verdict: its first condition, in the Job's own order, that is `Complete` or
 * `Failed` and True (kubernaut's GetStatus loop). `SuccessCriteriaMet` and `FailureTarget`
 * announce a verdict while pods still terminate, and decide nothing.
 */
function verdict(job: JobState) {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/**
 * When the Job finished: its `completionTime`, which Kubernetes sets for a success only, else
 * when its verdict's condition became True.
 */
function finishedAt(job: JobState, terminal: { lastTransitionTime?: string | null | undefined }) {
  return (
    completionTimeOf(job.status?.completionTime) ?? completionTimeOf(terminal.lastTransitionTime)
  );
}

function counterSummary(job: JobState): ExecutionSummary {
  const { succeeded = 0, failed = 0, active = 0 } = job.status ?? {};
  const total = { totalTasks: 1 };
  if (succeeded > 0) return { status: 'True', reason: 'Succeeded', completedTasks: 1, ...total };
  if (failed > 0) {
    return {
      status: 'False',
      reason: 'Failed',
      message: `${failed} pod(s) failed`,
      completedTasks: 0,
      ...total,
    };
  }
  if (active > 0) {
    return {
      status: 'Unknown',
      reason: 'Running',
      message: `${active} pod(s) active`,
      completedTasks: 0,
      ...total,
    };
  }
  return { status: 'Unknown', completedTasks: 0, ...total };
}

/**
 * `DisruptionTarget` reasons of controllers that end a pod in its kubelet's stead, once its node
 * stopped answering (the taint manager) or is gone (PodGC): the container statuses are the
 * kubelet's last report, and one it showed waiting may have started since.
 */
const endedWithoutKubelet: ReadonlySet<string> = new Set([
  'DeletionByTaintManager',
  'DeletionByPodGC',
]);

/**
 * Whether the cluster ended a pod before its workflow container started: the container neither
 * runs nor ended (the kubelet's admission refusal, `rejectPod` in pkg/kubelet/kubelet.go, writes
 * no container status at all; an eviction or preemption while it waited leaves it waiting), and
 * the kubelet itself said so.
 */
function endedBeforeStart(
  state: { readonly terminated?: unknown; readonly running?: unknown } | undefined,
  disruption: string,
): boolean {
  return !state?.terminated && !state?.running && !endedWithoutKubelet.has(disruption);
}

/**
 * Explains a failed Job from its pods: why the cluster ended a pod (evicted, preempted), or
 * that someone deleted it while the workflow ran, else the workflow container's exit code and
 * reason (OOMKilled, Error, ...), or why it never
 * started (ImagePullBackOff, ...). A container the runtime could not start (`StartError`: no
 * shell or command in the image, a `workingDir` it cannot enter) is a ConfigurationError with no
 * exit code, and explains the failure only when no other pod does: a pod that ran is the failure.
 */
export function explainPodFailure(pods: readonly PodState[]): PodFailure | undefined {
  let unstarted: PodFailure | undefined;
  for (const pod of pods) {
    const container = pod.status?.containerStatuses?.find((c) => c.name === workflowContainerName);
    const terminated = container?.state?.terminated;
    const disruption = podDisruption(pod.status);
    if (disruption) {
      return {
        ...(terminated && terminated.exitCode !== 0 ? { exitCode: terminated.exitCode } : {}),
        reason: disruption.reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : 'Unknown',
        description: `pod ${pod.metadata?.name ?? '?'} ${disruption.reason}${disruption.message ? `: ${disruption.message}` : ''}`,
        ...(endedBeforeStart(container?.state, disruption.reason) ? { started: false } : {}),
      };
    }
    if (isContainerLost(terminated)) {
      return {
        reason: 'Unknown',
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} was lost without an exit status (${containerLostReason})`,
      };
    }
    if (terminated?.reason === startErrorReason) {
      const detail = terminated.message ? `: ${terminated.message.trim()}` : '';
      unstarted ??= {
        reason: 'ConfigurationError',
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} cannot start: ${startErrorReason}${detail}`,
        started: false,
      };
      continue;
    }
    if (
      terminated &&
      terminated.exitCode !== 0 &&
      terminated.reason !== 'OOMKilled' &&
      killedByDeletion(pod.metadata, terminated.finishedAt)
    ) {
      return {
        exitCode: terminated.exitCode,
        reason: 'Unknown',
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} was killed when the pod was deleted: it exited with code ${terminated.exitCode} (${terminated.reason ?? 'Error'})`,
      };
    }
    if (terminated && terminated.exitCode !== 0) {
      const detail = terminated.message ? `: ${terminated.message.trim()}` : '';
      return {
        exitCode: terminated.exitCode,
        reason: terminated.reason === 'OOMKilled' ? 'OOMKilled' : 'TaskFailed',
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} exited with code ${terminated.exitCode} (${terminated.reason ?? 'Error'})${detail}`,
      };
    }
    const waiting = container?.state?.waiting;
    if (waiting?.reason) {
      return {
        reason: waitFailure(waiting.reason, waiting.message) ?? 'Unknown',
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} never ran: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      };
    }
  }
  return unstarted;
}

/**
 * Maps a Job (and, for a failed one, its pods) to an ExecutionResult, as kubernaut's JobExecutor
 * does: the first terminal condition decides, with its own reason and message; the summary is
 * the Job's counters (`Succeeded`, `Failed` and `<n> pod(s) failed`, `Running` and `<n> pod(s)
 * active`, else `Unknown`), and a failure's message is the summary's message too. Since
 * Kubernetes 1.31 terminal conditions wait for pods to terminate; until then the Job is
 * `Running`, whatever SuccessCriteriaMet or FailureTarget announce.
 */
export function jobResult(job: JobState, pods: readonly PodState[] = []): ExecutionResult {
  const summary = counterSummary(job);
  const started = !!job.status?.startTime;
  const terminal = verdict(job);
  const completionTime = terminal ? finishedAt(job, terminal) : undefined;
  const finished = { ...(completionTime ? { completionTime } : {}), started };
  if (terminal?.type === 'Complete') {
    return {
      phase: 'Completed',
      reason: 'Complete',
      message: terminal.message ?? '',
      summary,
      ...finished,
    };
  }
  if (terminal) {
    const explanation = explainPodFailure(pods);
    const deadline = terminal.reason === 'DeadlineExceeded';
    // The pod engine's name for a workflow the runtime could not start; the deadline still
    // decides a Job that ran out of time.
    const reason =
      explanation?.started === false && !deadline ? 'StartFailed' : (terminal.reason ?? 'Failed');
    const message = [terminal.message, explanation?.description].filter(Boolean).join('; ');
    return {
      phase: 'Failed',
      reason,
      message,
      summary: withSummaryMessage(summary, message),
      failureReason: deadline ? 'DeadlineExceeded' : (explanation?.reason ?? 'TaskFailed'),
      ...(explanation?.exitCode !== undefined ? { exitCode: explanation.exitCode } : {}),
      ...finished,
      // The Job started, but its pod ran none of the workflow.
      ...(explanation?.started === false ? { started: false } : {}),
    };
  }
  const active = job.status?.active ?? 0;
  const completions = job.spec?.completions ?? 1;
  return {
    phase: 'Running',
    reason: 'Running',
    message: isJobSuspended(job)
      ? `Job suspended (${active}/${completions} pods active): the Job controller starts no pod until it is resumed`
      : `Job running (${active}/${completions} pods active)`,
    summary,
    started,
  };
}

/** The summary with a failure's message, which kubernaut's status records (or none, if empty). */
export function withSummaryMessage(summary: ExecutionSummary, message: string): ExecutionSummary {
  const { message: _counted, ...rest } = summary;
  return message ? { ...rest, message } : rest;
}

/** Whether the Job has reached a terminal condition. */
export function isJobFinished(job: JobState): boolean {
  return verdict(job) !== undefined;
}

/**
 * Whether the Job controller has created any pod of the Job, as the Job's status counts them:
 * active, finished, being counted or terminating. A Job without one may be unable to create it.
 */
export function hasCreatedPods(job: JobState): boolean {
  const {
    active = 0,
    succeeded = 0,
    failed = 0,
    terminating,
    uncountedTerminatedPods,
  } = job.status ?? {};
  const uncounted =
    (uncountedTerminatedPods?.succeeded?.length ?? 0) +
    (uncountedTerminatedPods?.failed?.length ?? 0);
  return active + succeeded + failed + (terminating ?? 0) + uncounted > 0;
}
