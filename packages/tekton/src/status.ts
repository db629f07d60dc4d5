import type {
  ConditionStatus,
  ExecutionResult,
  ExecutionSummary,
  FailureReason,
} from '@roundhouse/core';
import { z } from 'zod';

/** The label Tekton puts on every TaskRun a PipelineRun creates, valued with its name. */
export const pipelineRunLabel = 'tekton.dev/pipelineRun';

const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

const ChildReferenceSchema = z.looseObject({
  kind: z.string().optional(),
  name: z.string().optional(),
  pipelineTaskName: z.string().optional(),
});

/** The parts of a PipelineRun the mapping reads; the API server's JSON is checked against it. */
export const PipelineRunStateSchema = z.looseObject({
  status: z
    .looseObject({
      conditions: z.array(ConditionSchema).optional(),
      childReferences: z.array(ChildReferenceSchema).optional(),
      /** Set by Tekton when it starts the run. */
      startTime: z.string().nullish(),
      /** Set by Tekton when the run finishes. */
      completionTime: z.string().nullish(),
    })
    .optional(),
});

const StepStateSchema = z.looseObject({
  name: z.string().optional(),
  container: z.string().optional(),
  terminationReason: z.string().optional(),
  terminated: z
    .looseObject({ exitCode: z.number().int(), reason: z.string().optional() })
    .optional(),
});

/** The parts of a TaskRun the summary and the failure explanation read. */
export const TaskRunStateSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  status: z
    .looseObject({
      conditions: z.array(ConditionSchema).optional(),
      steps: z.array(StepStateSchema).optional(),
    })
    .optional(),
});

export type PipelineRunState = z.infer<typeof PipelineRunStateSchema>;
export type TaskRunState = z.infer<typeof TaskRunStateSchema>;
type Condition = z.infer<typeof ConditionSchema>;

/**
 * What ended a PipelineRun's TaskRuns: the first one that failed (and its first step that exited
 * non-zero), or else the ones Tekton cancelled.
 */
export interface TaskFailure {
  /** The failed TaskRun; absent when Tekton only cancelled TaskRuns (on a cancel or a timeout). */
  readonly taskRunName?: string;
  /** The failed TaskRun's position among the PipelineRun's children, from 0. */
  readonly taskRunIndex?: number;
  /** The step whose exit ended the failed TaskRun. */
  readonly stepName?: string;
  readonly exitCode?: number;
  /** The failed TaskRun's own reason, e.g. `StepFailed` or `TaskRunTimeout`. */
  readonly taskRunReason?: string;
  /** The failed step's terminated reason, e.g. `OOMKilled`. */
  readonly stepReason?: string;
  readonly description: string;
}

/** The reason Tekton gives a TaskRun it cancelled, itself or because its PipelineRun was. */
const taskRunCancelled = 'TaskRunCancelled';

/**
 * The reason Tekton gives a TaskRun that failed in a pipeline task with `onError: continue`:
 * the run carried on past it, so it is never what ended the run.
 */
const taskRunFailureIgnored = 'FailureIgnored';

/**
 * The reason Tekton (since v1.12) gives a TaskRun whose pod the kubelet evicted (node pressure,
 * ephemeral storage): the cluster ended it, so its steps' exit codes are the kill's, not the
 * workload's.
 */
const taskRunPodEvicted = 'PodEvicted';

/**
 * Step endings whose exit code is Tekton's, not the workload's: Tekton marks every unfinished
 * step `exitCode: 1` when it cancels or times out a TaskRun (reason TaskRunCancelled or
 * TaskRunTimeout), its entrypoint exits 1 for a step it skipped, cancelled or timed out, and a
 * step that failed with `onError: continue` did not end the task.
 */
const notTheWorkloadsExit = new Set([
  taskRunCancelled,
  'TaskRunTimeout',
  'Skipped',
  'Cancelled',
  'TimeoutExceeded',
  'Continued',
]);

type StepState = z.infer<typeof StepStateSchema>;

function workloadExit(step: StepState): boolean {
  const terminated = step.terminated;
  return (
    terminated !== undefined &&
    terminated.exitCode !== 0 &&
    !notTheWorkloadsExit.has(step.terminationReason ?? '') &&
    !notTheWorkloadsExit.has(terminated.reason ?? '')
  );
}

function succeeded(object: { status?: { conditions?: Condition[] } } | undefined) {
  return object?.status?.conditions?.find((c) => c.type === 'Succeeded');
}

/** The TaskRuns among the PipelineRun's children, in Tekton's order. */
export function childTaskRuns(pipelineRun: PipelineRunState) {
  return (pipelineRun.status?.childReferences ?? []).filter(
    (ref): ref is typeof ref & { name: string } => ref.kind === 'TaskRun' && !!ref.name,
  );
}

/**
 * Names the first child TaskRun whose Succeeded condition is False and the first of its steps
 * whose own exit code ended it, so the user sees which step broke without reading the TaskRun.
 * TaskRuns Tekton cancelled did not fail: they are only listed, when nothing failed. A failure
 * the Pipeline chose to ignore is passed over.
 */
export function explainTaskFailure(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): TaskFailure | undefined {
  const byName = new Map(taskRuns.map((t) => [t.metadata.name, t]));
  const children = pipelineRun.status?.childReferences ?? [];
  const cancelled: string[] = [];
  for (const ref of childTaskRuns(pipelineRun)) {
    const taskRun = byName.get(ref.name);
    const condition = succeeded(taskRun);
    if (condition?.status !== 'False' || condition.reason === taskRunFailureIgnored) continue;
    const task = ref.pipelineTaskName ? ` (pipeline task ${ref.pipelineTaskName})` : '';
    if (condition.reason === taskRunCancelled) {
      cancelled.push(`TaskRun ${ref.name}${task} was cancelled`);
      continue;
    }
    const failed = {
      taskRunName: ref.name,
      taskRunIndex: children.indexOf(ref),
      ...(condition.reason ? { taskRunReason: condition.reason } : {}),
    };
    const step =
      condition.reason === taskRunPodEvicted
        ? undefined
        : taskRun?.status?.steps?.find(workloadExit);
    if (step?.terminated) {
      const { exitCode, reason } = step.terminated;
      return {
        ...failed,
        exitCode,
        ...(step.name ? { stepName: step.name } : {}),
        ...(reason ? { stepReason: reason } : {}),
        description: `TaskRun ${ref.name}${task} failed: step ${step.name ?? step.container ?? '?'} exited with code ${exitCode}${reason ? ` (${reason})` : ''}`,
      };
    }
    const why = [condition.reason, condition.message].filter(Boolean).join(': ');
    return {
      ...failed,
      description: `TaskRun ${ref.name}${task} failed${why ? `: ${why}` : ''}`,
    };
  }
  return cancelled.length > 0 ? { description: cancelled.join('; ') } : undefined;
}

function summaryOf(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
  condition: Condition | undefined,
): ExecutionSummary {
  const done = new Set(
    taskRuns.filter((t) => succeeded(t)?.status === 'True').map((t) => t.metadata.name),
  );
  const status: ConditionStatus =
    condition?.status === 'True' || condition?.status === 'False' ? condition.status : 'Unknown';
  return {
    status,
    ...(condition?.reason ? { reason: condition.reason } : {}),
    ...(condition?.message ? { message: condition.message } : {}),
    completedTasks: childTaskRuns(pipelineRun).filter((ref) => done.has(ref.name)).length,
    totalTasks: pipelineRun.status?.childReferences?.length ?? 0,
  };
}

/** Tekton's reason for a run that ran past its `timeouts.pipeline`. */
const pipelineRunTimeout = 'PipelineRunTimeout';

/**
 * Tekton's reasons for a failed run that say more than "a task failed" (tektoncd/pipeline
 * pipelinerun_types.go), read when a child TaskRun failed too. The ConfigurationError ones are
 * permanent: the Pipeline, its Tasks or the run's parameters and workspaces cannot run as they
 * are.
 */
const failureByReason: Readonly<Record<string, FailureReason>> = {
  [pipelineRunTimeout]: 'DeadlineExceeded',
  CouldntGetPipeline: 'ConfigurationError',
  CouldntGetTask: 'ConfigurationError',
  InvalidWorkspaceBindings: 'ConfigurationError',
  InvalidTaskRunSpecs: 'ConfigurationError',
  ParameterMissing: 'ConfigurationError',
  ParameterTypeMismatch: 'ConfigurationError',
  ObjectParameterMissKeys: 'ConfigurationError',
  ParamArrayIndexingInvalid: 'ConfigurationError',
  InvalidParamValue: 'ConfigurationError',
  InvalidMatrixParameterTypes: 'ConfigurationError',
  PipelineValidationFailed: 'ConfigurationError',
  InvalidTaskResultReference: 'ConfigurationError',
  InvalidPipelineResultReference: 'ConfigurationError',
  RequiredWorkspaceMarkedOptional: 'ConfigurationError',
  PipelineInvalidGraph: 'ConfigurationError',
  InvalidPipelineResourceBindings: 'ConfigurationError',
  CELEvaluationFailed: 'ConfigurationError',
  ResourceVerificationFailed: 'ConfigurationError',
  // A TaskRun Tekton cannot create as it is (the API server refused it as invalid); a refusal
  // that a retry could get past is retried instead.
  CreateRunFailed: 'ConfigurationError',
};

/**
 * The failed TaskRun's own reasons (tektoncd/pipeline taskrun_types.go and pkg/pod/status.go)
 * for a failure that is not its workload's exit: the OOM ones since v1.12, where the killed
 * container may be a sidecar or one of Tekton's init containers and so not among the steps.
 */
const failureByTaskRunReason: Readonly<Record<string, FailureReason>> = {
  TaskRunTimeout: 'DeadlineExceeded',
  StepOOM: 'OOMKilled',
  SidecarOOM: 'OOMKilled',
  InitContainerOOM: 'OOMKilled',
  TaskRunImagePullFailed: 'ImagePullBackOff',
  CreateContainerConfigError: 'ConfigurationError',
  PodCreationFailed: 'ConfigurationError',
  TaskRunValidationFailed: 'ConfigurationError',
  TaskValidationFailed: 'ConfigurationError',
  TaskRunResolutionFailed: 'ConfigurationError',
  InvalidParamValue: 'ConfigurationError',
  PodAdmissionFailed: 'Forbidden',
  ResourceVerificationFailed: 'ConfigurationError',
  // Not the workflow's failure, and no other class fits it (the job and pod engines classify an
  // evicted pod the same way).
  [taskRunPodEvicted]: 'Unknown',
};

/**
 * Why a run failed, from Tekton's structured reasons, never words of its message. When a child
 * TaskRun failed: a timeout or an unusable Pipeline first, then why the failed TaskRun failed (a
 * timeout, memory, an image, its pod), then a step killed for memory, else a task failure. When
 * none did: the run's own reason in either table (`CouldntGetPipeline` is a ConfigurationError;
 * `TaskRunImagePullFailed`, `TaskRunValidationFailed`, … as kubernaut's own tests set them on the
 * run), else a task failure if the run began (`started`: kubernaut calls `TaskRunFailed` with a
 * start time TaskFailed), else none: nothing ran and nothing says why, so controllers read
 * Unknown, as kubernaut does. A run that was cancelled (`Cancelled`: stopped on request, no
 * task failed) is no failure of the workflow, and has none either.
 */
export function classifyPipelineRunFailure(
  reason: string,
  failure: TaskFailure | undefined,
  started: boolean,
): FailureReason | undefined {
  if (reason === 'Cancelled') return undefined;
  const byReason = own(failureByReason, reason);
  if (byReason) return byReason;
  if (failure?.taskRunName === undefined) {
    return own(failureByTaskRunReason, reason) ?? (started ? 'TaskFailed' : undefined);
  }
  const byTaskRunReason = own(failureByTaskRunReason, failure.taskRunReason);
  if (byTaskRunReason) return byTaskRunReason;
  if (failure.stepReason === 'OOMKilled') return 'OOMKilled';
  // CouldntGetPipelineResult among them: Tekton resolves pipeline results only once every task
  // has finished, so the tasks ran and acted on the target whatever the result's fault.
  return 'TaskFailed';
}

/** `table[key]` when the table itself has it: a reason such as `constructor` is no entry. */
function own(
  table: Readonly<Record<string, FailureReason>>,
  key: string | undefined,
): FailureReason | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Maps a PipelineRun and its child TaskRuns to an ExecutionResult. The Succeeded condition
 * decides, and its reason is passed through verbatim (Tekton's names, e.g. PipelineRunTimeout
 * or, while `finally` tasks run after a graceful cancel, CancelledRunningFinally), since
 * controllers and users match on them. A finished run carries Tekton's own completion time,
 * and every result whether the run started.
 */
export function pipelineRunResult(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[] = [],
): ExecutionResult {
  const condition = succeeded(pipelineRun);
  const summary = summaryOf(pipelineRun, taskRuns, condition);
  const started = hasStarted(pipelineRun);
  const completionTime = rfc3339(pipelineRun.status?.completionTime);
  const finished = { ...(completionTime ? { completionTime } : {}), started };
  if (condition?.status === 'True') {
    const reason = condition.reason || 'Succeeded';
    return {
      phase: 'Completed',
      reason,
      message: condition.message || `Pipeline completed (${reason})`,
      summary,
      ...finished,
    };
  }
  if (condition?.status === 'False') {
    const reason = condition.reason || 'Failed';
    const failure = explainTaskFailure(pipelineRun, taskRuns);
    const failureReason = classifyPipelineRunFailure(reason, failure, started);
    return {
      phase: 'Failed',
      reason,
      message: [condition.message || `Pipeline failed (${reason})`, failure?.description]
        .filter(Boolean)
        .join('; '),
      summary,
      ...(failureReason ? { failureReason } : {}),
      ...(failure?.taskRunName ? { failedTaskName: failure.taskRunName } : {}),
      ...(failure?.taskRunIndex !== undefined ? { failedTaskIndex: failure.taskRunIndex } : {}),
      ...(failure?.stepName ? { failedStepName: failure.stepName } : {}),
      ...(failure?.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
      ...finished,
    };
  }
  if (condition) {
    const reason = condition.reason || 'Running';
    return {
      phase: 'Running',
      reason,
      message: `Pipeline executing (${reason})`,
      summary,
      started,
    };
  }
  return {
    phase: 'Running',
    reason: 'Pending',
    message: 'Pipeline created, waiting for Tekton to start execution',
    summary,
    started,
  };
}

/**
 * Whether the run began: Tekton gave it a start time or created any child run. kubernaut's
 * evidence that a failure happened during execution (determineWasExecutionFailure).
 */
function hasStarted(pipelineRun: PipelineRunState): boolean {
  return !!pipelineRun.status?.startTime || (pipelineRun.status?.childReferences?.length ?? 0) > 0;
}

const Rfc3339Schema = z.iso.datetime({ offset: true });

/** The time when it is one a result may carry (RFC 3339), else nothing. */
function rfc3339(time: string | null | undefined): string | undefined {
  return Rfc3339Schema.safeParse(time).success ? (time as string) : undefined;
}

/** Whether Tekton has given the run a final verdict, so its lock is stale rather than busy. */
export function isPipelineRunFinished(pipelineRun: PipelineRunState): boolean {
  const status = succeeded(pipelineRun)?.status;
  return status === 'True' || status === 'False';
}
