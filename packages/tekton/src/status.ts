/**
 * Past 350 lines: a PipelineRun's result, its failed TaskRun and its summary are read from
 * one status and its children's; the failure classes (failure-classification.ts) and whether a
 * task ran (task-run-ran.ts) already live apart.
 */
import {
  type ConditionStatus,
  type Conventions,
  completionTimeOf,
  type ExecutionResult,
  type ExecutionSummary,
  roundhouseConventions,
} from '@roundhouse/core';
import { z } from 'zod';
import {
  classifyPipelineRunFailure,
  type TaskFailure,
  taskRunInitContainerFailed,
  taskRunPodEvicted,
} from './failure-classification.js';
import { succeededPipelineTasks, totalPipelineTasks } from './pipeline-tasks.js';
import { endedByTekton, taskRunMayHaveRun } from './task-run-ran.js';

/** The label Tekton puts on every TaskRun a PipelineRun creates, valued with its name. */
export const pipelineRunLabel = 'tekton.dev/pipelineRun';

/**
 * The label Tekton puts on every TaskRun a PipelineRun creates, valued with the run's uid
 * (`PipelineRunUIDLabelKey`): the name label is the same for every run of a target's lock.
 */
export const pipelineRunUidLabel = 'tekton.dev/pipelineRunUID';

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

const NamedTaskSchema = z.looseObject({ name: z.string().optional() });

/** The parts of a PipelineRun the mapping reads; the API server's JSON is checked against it. */
export const PipelineRunStateSchema = z.looseObject({
  status: z
    .looseObject({
      conditions: z.array(ConditionSchema).optional(),
      childReferences: z.array(ChildReferenceSchema).optional(),
      /** The Pipeline Tekton resolved; only its tasks' names are read. */
      pipelineSpec: z
        .looseObject({
          tasks: z.array(NamedTaskSchema).nullish(),
          finally: z.array(NamedTaskSchema).nullish(),
        })
        .nullish(),
      /** The pipeline tasks Tekton skipped, which have no child. */
      skippedTasks: z.array(NamedTaskSchema).nullish(),
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
  /** Present while the step's container runs. */
  running: z.looseObject({}).optional(),
  terminated: z
    .looseObject({
      exitCode: z.number().int(),
      reason: z.string().optional(),
      /** When the container started; Tekton leaves none, or the TaskRun's creation, on a step it ended waiting. */
      startedAt: z.string().nullish(),
    })
    .optional(),
});

/** The parts of a TaskRun the summary and the failure explanation read. */
export const TaskRunStateSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  status: z
    .looseObject({
      conditions: z.array(ConditionSchema).optional(),
      steps: z.array(StepStateSchema).optional(),
      /** Tekton's record of each earlier attempt of a TaskRun it retried; only their number is read. */
      retriesStatus: z.array(z.unknown()).optional(),
    })
    .optional(),
});

export type PipelineRunState = z.infer<typeof PipelineRunStateSchema>;
export type TaskRunState = z.infer<typeof TaskRunStateSchema>;
type Condition = z.infer<typeof ConditionSchema>;

/** The reason Tekton gives a TaskRun it cancelled, itself or because its PipelineRun was. */
const taskRunCancelled = 'TaskRunCancelled';

/**
 * The reasons of a PipelineRun Tekton ended by patching each child TaskRun to cancelled and then
 * marking the run, without waiting for the TaskRuns to stop: a cancel (at once, or after its
 * `finally` tasks) and the pipeline's own timeout (`timeoutPipelineRun`).
 */
const endedByCancellingChildren: ReadonlySet<string> = new Set(['Cancelled', 'PipelineRunTimeout']);

/**
 * The reason Tekton gives a TaskRun that failed in a pipeline task with `onError: continue`:
 * the run carried on past it, so it is never what ended the run.
 */
const taskRunFailureIgnored = 'FailureIgnored';

/**
 * Step endings whose exit code is Tekton's, not the workload's: Tekton marks every unfinished
 * step `exitCode: 1` when it cancels or times out a TaskRun (reason TaskRunCancelled or
 * TaskRunTimeout; with the TaskRun's reason whenever it fails one, see `endedByTekton`), its
 * entrypoint exits 1 for a step it skipped, cancelled or timed out, and a step that failed with
 * `onError: continue` did not end the task.
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

/** Whether the workload itself ended the step non-zero, in a TaskRun that failed with `taskRunReason`. */
function workloadExit(step: StepState, taskRunReason: string | undefined): boolean {
  const terminated = step.terminated;
  return (
    terminated !== undefined &&
    terminated.exitCode !== 0 &&
    !notTheWorkloadsExit.has(step.terminationReason ?? '') &&
    !notTheWorkloadsExit.has(terminated.reason ?? '') &&
    !endedByTekton(step, taskRunReason)
  );
}

/** The `Succeeded` condition of a PipelineRun or TaskRun, the one Tekton gives its verdict in. */
export function succeededCondition(
  object: { status?: { conditions?: Condition[] | undefined } | undefined } | undefined,
) {
  return object?.status?.conditions?.find((c) => c.type === 'Succeeded');
}

/** Whether Tekton has given the TaskRun a final verdict. */
export function isTaskRunFinished(taskRun: TaskRunState): boolean {
  const status = succeededCondition(taskRun)?.status;
  return status === 'True' || status === 'False';
}

/**
 * Whether the TaskRun is a child of the PipelineRun with uid `runUid`, as far as it tells: one
 * without Tekton's uid label (made by hand, as kubernaut's tests make them) is taken at its name.
 */
export function isChildOf(taskRun: TaskRunState, runUid: string | undefined): boolean {
  const owner = taskRun.metadata.labels?.[pipelineRunUidLabel];
  return owner === undefined || runUid === undefined || owner === runUid;
}

/** The TaskRuns among the PipelineRun's children, in Tekton's order. */
export function childTaskRuns(pipelineRun: PipelineRunState) {
  return (pipelineRun.status?.childReferences ?? []).filter(
    (ref): ref is typeof ref & { name: string } => ref.kind === 'TaskRun' && !!ref.name,
  );
}

/**
 * Names the child TaskRun whose Succeeded condition is False that ended the run, and the first of
 * its steps whose own exit code ended it, so the user sees which step broke without reading the
 * TaskRun. The first (in Tekton's order) that ran explains, else the first: a task that ran is
 * what acted on the target, where a sibling that never started (its image, its pod) says nothing
 * of that. TaskRuns Tekton cancelled did not fail: they are only listed, when nothing failed. A
 * failure the Pipeline chose to ignore is passed over.
 *
 * A child not finished yet of a run Tekton cancelled or timed out (`endedByCancellingChildren`)
 * is one it cancelled, and is listed as such, so the message does not depend on which of
 * Tekton's writes a read saw first (a graceful stop lets its running tasks finish before the run
 * ends, so none is unfinished then).
 */
export function explainTaskFailure(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): TaskFailure | undefined {
  const byName = new Map(taskRuns.map((t) => [t.metadata.name, t]));
  const runCancelled = endedByCancellingChildren.has(succeededCondition(pipelineRun)?.reason ?? '');
  const failed: FailedChild[] = [];
  const cancelled: string[] = [];
  for (const ref of childTaskRuns(pipelineRun)) {
    const taskRun = byName.get(ref.name);
    if (!taskRun) continue;
    const condition = succeededCondition(taskRun);
    if (runCancelled && !isTaskRunFinished(taskRun)) {
      cancelled.push(`TaskRun ${ref.name}${pipelineTaskOf(ref)} was cancelled`);
      continue;
    }
    if (condition?.status !== 'False' || condition.reason === taskRunFailureIgnored) continue;
    if (condition.reason === taskRunCancelled) {
      cancelled.push(`TaskRun ${ref.name}${pipelineTaskOf(ref)} was cancelled`);
      continue;
    }
    failed.push({ ref, taskRun, condition });
  }
  const explaining = failed.find((f) => taskRunMayHaveRun(f.taskRun)) ?? failed[0];
  if (explaining) return describeFailure(explaining, pipelineRun.status?.childReferences ?? []);
  return cancelled.length > 0 ? { description: cancelled.join('; ') } : undefined;
}

type ChildTaskRunReference = ReturnType<typeof childTaskRuns>[number];

/**
 * TaskRun reasons under which no step's exit code is the workload's: an eviction's kill, or a
 * pod whose Tekton init container failed before any step started.
 */
const noWorkloadExit: ReadonlySet<string> = new Set([
  taskRunPodEvicted,
  taskRunInitContainerFailed,
]);

interface FailedChild {
  readonly ref: ChildTaskRunReference;
  readonly taskRun: TaskRunState;
  readonly condition: Condition;
}

function pipelineTaskOf(ref: ChildTaskRunReference): string {
  return ref.pipelineTaskName ? ` (pipeline task ${ref.pipelineTaskName})` : '';
}

function describeFailure(
  { ref, taskRun, condition }: FailedChild,
  children: readonly z.infer<typeof ChildReferenceSchema>[],
): TaskFailure {
  const task = pipelineTaskOf(ref);
  const failed = {
    taskRunName: ref.name,
    taskRunIndex: children.indexOf(ref),
    ...(condition.reason ? { taskRunReason: condition.reason } : {}),
  };
  const step = noWorkloadExit.has(condition.reason ?? '')
    ? undefined
    : taskRun.status?.steps?.find((s) => workloadExit(s, condition.reason));
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

/**
 * How many of the run's children ran or may have: TaskRuns as `taskRunMayHaveRun` says, and
 * every other child (a custom task's run), which is not read and may have acted on the target.
 */
export function tasksThatMayHaveRun(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): number {
  const ran = new Set(taskRuns.filter(taskRunMayHaveRun).map((t) => t.metadata.name));
  return (pipelineRun.status?.childReferences ?? []).filter((ref) =>
    ref.kind === 'TaskRun' ? ran.has(ref.name ?? '') : true,
  ).length;
}

function summaryOf(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
  condition: Condition | undefined,
): ExecutionSummary {
  const succeeded = new Set(
    taskRuns.filter((t) => succeededCondition(t)?.status === 'True').map((t) => t.metadata.name),
  );
  const status: ConditionStatus =
    condition?.status === 'True' || condition?.status === 'False' ? condition.status : 'Unknown';
  return {
    status,
    ...(condition?.reason ? { reason: condition.reason } : {}),
    ...(condition?.message ? { message: condition.message } : {}),
    completedTasks: succeededPipelineTasks(pipelineRun, 'TaskRun', succeeded),
    totalTasks: totalPipelineTasks(pipelineRun),
  };
}

/** Children whose TaskRun could not be read, and why (the first error's reason). */
export interface TaskRunsUnread {
  readonly count: number;
  readonly reason: string;
}

/**
 * Maps a PipelineRun and its child TaskRuns to an ExecutionResult. The Succeeded condition
 * decides, whatever of the TaskRuns could be read (`unread`: a failure says what is missing), and its reason is passed through verbatim (Tekton's names, e.g. PipelineRunTimeout
 * or, while `finally` tasks run after a graceful cancel, CancelledRunningFinally), since
 * controllers and users match on them. A finished run carries Tekton's own completion time,
 * and every result whether the run started. A failure is classified as
 * `classifyPipelineRunFailure` says, reading words of the run's message where the
 * `conventions` do (`failureClassFromMessage`).
 */
export function pipelineRunResult(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[] = [],
  unread?: TaskRunsUnread,
  conventions: Pick<Conventions, 'failureClassFromMessage'> = roundhouseConventions,
): ExecutionResult {
  const condition = succeededCondition(pipelineRun);
  const summary = summaryOf(pipelineRun, taskRuns, condition);
  const started = hasStarted(pipelineRun);
  const completionTime = completionTimeOf(pipelineRun.status?.completionTime);
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
    const failureReason = classifyPipelineRunFailure(
      reason,
      failure,
      started,
      // A task that could not be read may have run: the class must not say none did.
      tasksThatMayHaveRun(pipelineRun, taskRuns) + (unread?.count ?? 0),
      conventions.failureClassFromMessage ? (condition.message ?? '') : undefined,
    );
    const missing = unread
      ? `${unread.count} of its TaskRuns could not be read (${unread.reason}): the failed task and step may be missing`
      : undefined;
    return {
      phase: 'Failed',
      reason,
      message: [condition.message || `Pipeline failed (${reason})`, failure?.description, missing]
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

/** Whether Tekton has given the run a final verdict, so its lock is stale rather than busy. */
export function isPipelineRunFinished(pipelineRun: PipelineRunState): boolean {
  const status = succeededCondition(pipelineRun)?.status;
  return status === 'True' || status === 'False';
}
