import type { ExecutionResult, FailureReason } from '@roundhouse/core';
import { withoutQuotaUsage } from '@roundhouse/kube';
import { type PipelineRunState, succeededCondition, type TaskRunState } from './status.js';
import { taskRunMayHaveRun } from './task-run-ran.js';

/**
 * Tekton's reason for a TaskRun whose pod the API server refused for a ResourceQuota
 * (`ExceededResourceQuota`, taskrun.go `handlePodCreationError`): the TaskRun stays Unknown with
 * no start time, and Tekton tries the create again every minute until the run times out. Its
 * message quotes the API server's refusal (`TaskRun Pod exceeded available resources: <error>`),
 * which a failure quotes without the quota's figures (`withoutQuotaUsage`): a namespace shared by
 * many tenants' executions counts all their pods.
 * `ExceededNodeResources` is not one: that pod exists and waits for the scheduler, which a node
 * added by an autoscaler satisfies, and the job and pod engines wait for a pod that cannot be
 * scheduled too.
 */
export const taskRunExceededResourceQuota = 'ExceededResourceQuota';

/** Why a running PipelineRun cannot go on, which a status read reports as its failure. */
export interface StartFailure {
  readonly reason: FailureReason;
  readonly description: string;
  /** The child run that cannot start, and its position among the run's children. */
  readonly taskRunName?: string | undefined;
  readonly taskRunIndex?: number | undefined;
  /** Whether any of the run's tasks ran, or may have; none did unless it says so. */
  readonly started?: boolean | undefined;
}

/** A run none of whose tasks could start, and why. */
export interface StuckStart extends StartFailure {
  /** The first TaskRun that cannot start, and its position among the run's children. */
  readonly taskRunName: string;
  readonly taskRunIndex: number;
}

/**
 * Why a running PipelineRun cannot start, if it cannot: every child it has is a TaskRun whose pod
 * the API server refused for a quota, and none of which ran before (see `taskRunMayHaveRun`: a
 * TaskRun Tekton retries after an attempt that ran has its condition Unknown again, with no start
 * time, and its new pod may be refused just the same). Then no task's pod ever ran, and none runs
 * that could free the quota. Undefined while any child runs, ran, finished or waits for something
 * else (a pod being scheduled or pulled), or is not among `taskRuns`.
 */
export function explainStuckStart(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): StuckStart | undefined {
  const children = pipelineRun.status?.childReferences ?? [];
  const byName = new Map(taskRuns.map((t) => [t.metadata.name, t]));
  let stuck: StuckStart | undefined;
  for (const [index, ref] of children.entries()) {
    const taskRun = ref.kind === 'TaskRun' && ref.name ? byName.get(ref.name) : undefined;
    const condition = succeededCondition(taskRun);
    if (
      !taskRun ||
      condition?.status !== 'Unknown' ||
      condition.reason !== taskRunExceededResourceQuota ||
      taskRunMayHaveRun(taskRun)
    ) {
      return undefined;
    }
    const task = ref.pipelineTaskName ? ` (pipeline task ${ref.pipelineTaskName})` : '';
    stuck ??= {
      reason: 'ResourceExhausted',
      taskRunName: ref.name as string,
      taskRunIndex: index,
      description: `TaskRun ${ref.name}${task} cannot start: ${condition.reason}${condition.message ? `: ${withoutQuotaUsage(condition.message)}` : ''}`,
    };
  }
  return stuck;
}

/**
 * The running result `running` as the failure `stuck` makes it, named as the job engine names a
 * Job that cannot start (`StartFailed`), and `started: false` unless `stuck` says a task ran.
 */
export function startFailedResult(running: ExecutionResult, stuck: StartFailure): ExecutionResult {
  return {
    phase: 'Failed',
    reason: 'StartFailed',
    message: stuck.description,
    summary: {
      ...running.summary,
      status: 'False',
      reason: 'StartFailed',
      message: stuck.description,
    },
    failureReason: stuck.reason,
    ...(stuck.taskRunName !== undefined ? { failedTaskName: stuck.taskRunName } : {}),
    ...(stuck.taskRunIndex !== undefined ? { failedTaskIndex: stuck.taskRunIndex } : {}),
    started: stuck.started ?? false,
  };
}
