/*
 * Why a PipelineRun failed, as a FailureReason: from Tekton's structured reasons (the run's own
 * and its failed TaskRun's), and from words of the run's message only where those say nothing
 * and the conventions read them as kubernaut does.
 */
import type { FailureReason } from '@roundhouse/core';
import { classifyByMessageWords } from './failure-words.js';

/**
 * What ended a PipelineRun's TaskRuns: the first one that failed (and its first step that exited
 * non-zero), or else the ones Tekton cancelled.
 */
export interface TaskFailure {
  /** The failed TaskRun; absent when Tekton only cancelled TaskRuns (on a cancel or a timeout). */
  readonly taskRunName?: string | undefined;
  /** The failed TaskRun's position among the PipelineRun's children, from 0. */
  readonly taskRunIndex?: number | undefined;
  /** The step whose exit ended the failed TaskRun. */
  readonly stepName?: string | undefined;
  readonly exitCode?: number | undefined;
  /** The failed TaskRun's own reason, e.g. `StepFailed` or `TaskRunTimeout`. */
  readonly taskRunReason?: string | undefined;
  /** The failed step's terminated reason, e.g. `OOMKilled`. */
  readonly stepReason?: string | undefined;
  readonly description: string;
}

/**
 * The reason Tekton (since v1.12) gives a TaskRun whose pod the kubelet evicted (node pressure,
 * ephemeral storage): the cluster ended it, so its steps' exit codes are the kill's, not the
 * workload's.
 */
export const taskRunPodEvicted = 'PodEvicted';

/**
 * The reason Tekton (since v1.12, pod/status.go `getFailureInfo`) gives a TaskRun whose pod failed
 * in one of Tekton's own init containers (prepare, place-scripts, working-dir-initializer): the
 * pod failed before any step started, for the node's or the runtime's sake, as an eviction does,
 * so no step's ending is the workload's.
 */
export const taskRunInitContainerFailed = 'InitContainerFailed';

/** Tekton's reason for a run that ran past its `timeouts.pipeline`. */
const pipelineRunTimeout = 'PipelineRunTimeout';

/**
 * Tekton's reasons for a failed run that say more than "a task failed" (tektoncd/pipeline
 * pipelinerun_types.go), read first whether or not a child TaskRun failed. The ConfigurationError ones are
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
  // A workspace's PVC or affinity assistant the API server refused for good (volumeclaim and
  // affinity_assistant.go; a quota or a conflict Tekton retries): set before any task is
  // created, though Tekton has given the run its start time.
  CouldntCreateWorkspacePVC: 'ConfigurationError',
  ReasonCouldntCreateOrUpdateAffinityAssistantStatefulSet: 'ConfigurationError',
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
  [taskRunInitContainerFailed]: 'Unknown',
};

/**
 * Why a run failed, from Tekton's structured reasons. When a child TaskRun failed: a timeout or
 * an unusable Pipeline first, then why the failed TaskRun failed (a timeout, memory, an image,
 * its pod), then a step killed for memory, else a task failure. When none did: the run's own
 * reason in either table (`CouldntGetPipeline` is a ConfigurationError;
 * `TaskRunImagePullFailed`, `TaskRunValidationFailed`, … as kubernaut's own tests set them on the
 * run); else, given the run's `message` (the kubernaut conventions), kubernaut's classification
 * by its words (see `classifyByMessageWords`); else a task failure if the run began (`started`:
 * kubernaut calls `TaskRunFailed` with a start time TaskFailed), else none: nothing ran and
 * nothing says why, so controllers read Unknown, as kubernaut does. A run that was cancelled
 * (`Cancelled`: stopped on request, no task failed) is no failure of the workflow, and has none
 * either. Any of these that says nothing ran is a task failure once any of the run's tasks ran
 * (`tasksRan` of them did, or may have: see `taskRunMayHaveRun`), whatever the message's words.
 */
export function classifyPipelineRunFailure(
  reason: string,
  failure: TaskFailure | undefined,
  started: boolean,
  tasksRan = 0,
  message?: string,
): FailureReason | undefined {
  return classAfterTasksRan(classifyAlone(reason, failure, started, message), tasksRan);
}

/**
 * `failureReason` as a run of which `tasksRan` tasks ran (or may have) is classified. Tekton
 * fails or stops a run for its definition, a task's image or its quota only when it reaches
 * that task or step (an enum param checked as the task is created, a finally task's CEL, a
 * later step's image, a later TaskRun the quota refuses), while tasks before it or beside it
 * run: once one ran, the workflow acted on the target, and a class saying it never ran would
 * have a controller retry what already half-applied. kubernaut gives such a run the class its
 * message's words name (`quota` from a later task's pod); a controller must still not retry
 * what half-applied.
 */
export function classAfterTasksRan<R extends FailureReason | undefined>(
  failureReason: R,
  tasksRan: number,
): R | 'TaskFailed' {
  return tasksRan > 0 && failureReason !== undefined && beforeAnyTask.has(failureReason)
    ? 'TaskFailed'
    : failureReason;
}

/** Classes that say the workflow's own tasks never ran. */
const beforeAnyTask: ReadonlySet<FailureReason> = new Set([
  'ConfigurationError',
  'ImagePullBackOff',
  'ResourceExhausted',
]);

function classifyAlone(
  reason: string,
  failure: TaskFailure | undefined,
  started: boolean,
  message: string | undefined,
): FailureReason | undefined {
  if (reason === 'Cancelled') return undefined;
  const byReason = own(failureByReason, reason);
  if (byReason) return byReason;
  if (failure?.taskRunName === undefined) {
    const byTaskRunReason = own(failureByTaskRunReason, reason);
    if (byTaskRunReason) return byTaskRunReason;
    if (message !== undefined) return classifyByMessageWords(reason, message);
    return started ? 'TaskFailed' : undefined;
  }
  // kubernaut reads the run's message here too; the failed TaskRun's reason and steps say more
  // than its words, so they classify whatever the conventions.
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
