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
    })
    .optional(),
});

const StepStateSchema = z.looseObject({
  name: z.string().optional(),
  container: z.string().optional(),
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

/** The first failed TaskRun of a PipelineRun, and its first step that exited non-zero. */
export interface TaskFailure {
  readonly taskRunName: string;
  readonly exitCode?: number;
  /** The failed step's terminated reason, e.g. `OOMKilled`. */
  readonly stepReason?: string;
  readonly description: string;
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
 * that exited non-zero, so the user sees which step broke without reading the TaskRun.
 */
export function explainTaskFailure(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): TaskFailure | undefined {
  const byName = new Map(taskRuns.map((t) => [t.metadata.name, t]));
  for (const ref of childTaskRuns(pipelineRun)) {
    const taskRun = byName.get(ref.name);
    const condition = succeeded(taskRun);
    if (condition?.status !== 'False') continue;
    const task = ref.pipelineTaskName ? ` (pipeline task ${ref.pipelineTaskName})` : '';
    const step = taskRun?.status?.steps?.find(
      (s) => s.terminated !== undefined && s.terminated.exitCode !== 0,
    );
    if (step?.terminated) {
      const { exitCode, reason } = step.terminated;
      return {
        taskRunName: ref.name,
        exitCode,
        ...(reason ? { stepReason: reason } : {}),
        description: `TaskRun ${ref.name}${task} failed: step ${step.name ?? step.container ?? '?'} exited with code ${exitCode}${reason ? ` (${reason})` : ''}`,
      };
    }
    const why = [condition.reason, condition.message].filter(Boolean).join(': ');
    return {
      taskRunName: ref.name,
      description: `TaskRun ${ref.name}${task} failed${why ? `: ${why}` : ''}`,
    };
  }
  return undefined;
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

/** Tekton's reasons for a failed run that say more than "a task failed". */
const failureByReason: Readonly<Record<string, FailureReason>> = {
  PipelineRunTimeout: 'DeadlineExceeded',
  PipelineRunTimeoutRunningFinally: 'DeadlineExceeded',
  TaskRunTimeout: 'DeadlineExceeded',
  CouldntGetPipeline: 'ConfigurationError',
  CouldntGetTask: 'ConfigurationError',
  InvalidWorkspaceBindings: 'ConfigurationError',
  ParameterMissing: 'ConfigurationError',
  ParameterTypeMismatch: 'ConfigurationError',
  PipelineValidationFailed: 'ConfigurationError',
  InvalidTaskResultReference: 'ConfigurationError',
  PipelineInvalidGraph: 'ConfigurationError',
};

/**
 * Why a run failed, from Tekton's structured reason and the failed step's terminated reason:
 * a timeout or an unusable Pipeline first, then a step killed for memory, else a task failure.
 */
export function classifyPipelineRunFailure(
  reason: string,
  failure: TaskFailure | undefined,
): FailureReason {
  const byReason = failureByReason[reason];
  if (byReason) return byReason;
  if (failure?.stepReason === 'OOMKilled') return 'OOMKilled';
  return 'TaskFailed';
}

/**
 * Maps a PipelineRun and its child TaskRuns to an ExecutionResult. The Succeeded condition
 * decides, and its reason is passed through verbatim (Tekton's names, e.g. PipelineRunTimeout
 * or CancelledRunningFinally), since controllers and users match on them.
 */
export function pipelineRunResult(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[] = [],
): ExecutionResult {
  const condition = succeeded(pipelineRun);
  const summary = summaryOf(pipelineRun, taskRuns, condition);
  if (condition?.status === 'True') {
    const reason = condition.reason || 'Succeeded';
    return {
      phase: 'Completed',
      reason,
      message: condition.message || `Pipeline completed (${reason})`,
      summary,
    };
  }
  if (condition?.status === 'False') {
    const reason = condition.reason || 'Failed';
    const failure = explainTaskFailure(pipelineRun, taskRuns);
    return {
      phase: 'Failed',
      reason,
      message: [condition.message || `Pipeline failed (${reason})`, failure?.description]
        .filter(Boolean)
        .join('; '),
      summary,
      failureReason: classifyPipelineRunFailure(reason, failure),
      ...(failure ? { failedTaskName: failure.taskRunName } : {}),
      ...(failure?.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
    };
  }
  if (condition) {
    const reason = condition.reason || 'Running';
    return { phase: 'Running', reason, message: `Pipeline executing (${reason})`, summary };
  }
  return {
    phase: 'Running',
    reason: 'Pending',
    message: 'Pipeline created, waiting for Tekton to start execution',
    summary,
  };
}

/** Whether Tekton has given the run a final verdict, so its lock is stale rather than busy. */
export function isPipelineRunFinished(pipelineRun: PipelineRunState): boolean {
  const status = succeeded(pipelineRun)?.status;
  return status === 'True' || status === 'False';
}
