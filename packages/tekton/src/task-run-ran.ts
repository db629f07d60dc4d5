import { taskRunInitContainerFailed } from './failure-classification.js';
import type { TaskRunState } from './status.js';

type StepState = NonNullable<NonNullable<TaskRunState['status']>['steps']>[number];

/**
 * Container endings of a step whose container the runtime never started (no shell, a working
 * directory it cannot enter): the kubelet's reason, whatever the exit code.
 */
const containerNeverStarted = new Set(['StartError', 'ContainerCannotRun']);

/**
 * Whether the TaskRun's workload ran, or may have: it succeeded; Tekton retried it (an earlier
 * attempt's pod may have run, and a cache keeps only how many attempts there were); or one of
 * its steps ran. A TaskRun that failed before any step ran (its image, its pod, its spec, one of
 * Tekton's init containers) did not act on the target; one that failed after a step ran did,
 * whatever Tekton calls its failure (a later step's image pull fails the TaskRun as
 * `TaskRunImagePullFailed` too).
 */
export function taskRunMayHaveRun(taskRun: TaskRunState): boolean {
  const status = taskRun.status;
  const condition = status?.conditions?.find((c) => c.type === 'Succeeded');
  if (condition?.status === 'True' || (status?.retriesStatus?.length ?? 0) > 0) return true;
  // Its pod failed in Tekton's own init containers, before any step could start.
  if (condition?.reason === taskRunInitContainerFailed) return false;
  return (status?.steps ?? []).some((step) =>
    stepRan(step, condition?.reason, taskRun.metadata.creationTimestamp),
  );
}

/**
 * Whether a step's container ran: it runs, or it ended by itself (the kubelet's ending: its exit
 * code, 0 included), or Tekton ended it while it ran. When Tekton fails a TaskRun it ends every
 * unfinished step with the TaskRun's own reason (taskrun.go `terminateStepsInPod`): a step that
 * ran keeps its container's start, one that was waiting gets none (before Tekton v0.70) or the
 * TaskRun's creation time. A step Tekton's entrypoint skipped ran nothing of its own.
 */
function stepRan(
  step: StepState,
  taskRunReason: string | undefined,
  created: string | undefined,
): boolean {
  if (step.running) return true;
  const terminated = step.terminated;
  if (!terminated || step.terminationReason === 'Skipped') return false;
  if (endedByTekton(step, taskRunReason)) {
    const startedAt = Date.parse(terminated.startedAt ?? '');
    return Number.isFinite(startedAt) && startedAt !== Date.parse(created ?? '');
  }
  return !containerNeverStarted.has(terminated.reason ?? '');
}

/**
 * Whether Tekton ended the step when it failed its TaskRun (`terminateStepsInPod`: exit code 1
 * and the TaskRun's own reason, e.g. `TaskRunImagePullFailed`), so its exit code is Tekton's,
 * not the workload's.
 */
export function endedByTekton(step: StepState, taskRunReason: string | undefined): boolean {
  return taskRunReason !== undefined && step.terminated?.reason === taskRunReason;
}
