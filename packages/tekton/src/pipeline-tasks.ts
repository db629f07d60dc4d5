/*
 * A run's progress in pipeline tasks, the unit a user counts and Tekton's own condition message
 * counts ("Tasks Completed: 2 ..., Skipped: 1", pipelinerunstate.go `getPipelineTasksCount`):
 * a matrixed pipeline task fans out into several TaskRuns or CustomRuns, each its own entry in
 * `status.childReferences`, and a skipped one has no child at all.
 */
import type { PipelineRunState } from './status.js';

type ChildReference = NonNullable<
  NonNullable<PipelineRunState['status']>['childReferences']
>[number];

/**
 * The run's children by pipeline task. A reference without `pipelineTaskName` (Tekton always
 * writes one; a hand-made run may not) stands for a task of its own.
 */
function childrenByPipelineTask(pipelineRun: PipelineRunState): Map<string, ChildReference[]> {
  const byTask = new Map<string, ChildReference[]>();
  for (const ref of pipelineRun.status?.childReferences ?? []) {
    const task = ref.pipelineTaskName ?? ref.name;
    if (task === undefined) continue;
    byTask.set(task, [...(byTask.get(task) ?? []), ref]);
  }
  return byTask;
}

/**
 * Every pipeline task of the run, `finally` ones included, skipped ones included: those of the
 * Pipeline Tekton resolved (`status.pipelineSpec`, written once it has the Pipeline), with any
 * other task a child or a skip names, so the count never falls below what the run shows.
 */
export function totalPipelineTasks(pipelineRun: PipelineRunState): number {
  const status = pipelineRun.status;
  const names = new Set<string>(childrenByPipelineTask(pipelineRun).keys());
  for (const task of [
    ...(status?.pipelineSpec?.tasks ?? []),
    ...(status?.pipelineSpec?.finally ?? []),
    ...(status?.skippedTasks ?? []),
  ]) {
    if (task.name !== undefined) names.add(task.name);
  }
  return names.size;
}

/**
 * How many pipeline tasks whose children are of `kind` succeeded: every one of their children
 * (each run of a matrix) is among `succeeded`, as Tekton's `isSuccessful` wants them all. A
 * pipeline task's children are all of one kind, its Task's or its custom task's.
 */
export function succeededPipelineTasks(
  pipelineRun: PipelineRunState,
  kind: 'TaskRun' | 'CustomRun',
  succeeded: ReadonlySet<string>,
): number {
  let count = 0;
  for (const children of childrenByPipelineTask(pipelineRun).values()) {
    if (children.every((ref) => ref.kind === kind && succeeded.has(ref.name ?? ''))) count++;
  }
  return count;
}
