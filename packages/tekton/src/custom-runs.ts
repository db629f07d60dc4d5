import { type ExecutionResult, type Logger, RoundhouseError } from '@roundhouse/core';
import type { KubeObject, Reader, ResourceType } from '@roundhouse/kube';
import { succeededPipelineTasks } from './pipeline-tasks.js';
import {
  isChildOf,
  isPipelineRunFinished,
  type PipelineRunState,
  succeededCondition,
  TaskRunStateSchema,
} from './status.js';

/** Tekton's CustomRun (`v1beta1` in Tekton 1.x), the run of a custom task, in `group`. */
export function customRunType(group: string): ResourceType {
  return Object.freeze({
    group,
    version: 'v1beta1',
    kind: 'CustomRun',
    plural: 'customruns',
    namespaced: true,
  });
}

export interface CustomRunsSource {
  /** The API server: the runs are read once, when the PipelineRun has finished. */
  readonly live: Reader;
  readonly customRunType: ResourceType;
  readonly namespace: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal | undefined;
}

/**
 * `result` with the custom tasks among a finished run's pipeline tasks that succeeded counted in
 * its summary's `completedTasks`, as Tekton counts a custom task it ran (`getPipelineTasksCount`,
 * `isSuccessful`: every CustomRun of the task, each run of a matrix, with `Succeeded` `True`,
 * v1.15). A child
 * reference names no state, so each is read by name, only once the run has finished (only a
 * final summary is recorded) and only for a run that has any. One that cannot be read, is gone
 * or belongs to an earlier run of the same name (Tekton's uid label) is not counted; the run's
 * own condition is the verdict, and a read refused (a role without `get` on customruns) only
 * leaves the count short.
 */
export async function withSucceededCustomRuns(
  result: ExecutionResult,
  run: KubeObject,
  state: PipelineRunState,
  source: CustomRunsSource,
): Promise<ExecutionResult> {
  if (!isPipelineRunFinished(state)) return result;
  const names = (state.status?.childReferences ?? []).flatMap((ref) =>
    ref.kind === 'CustomRun' && ref.name ? [ref.name] : [],
  );
  if (names.length === 0) return result;
  const succeeded = await Promise.all(names.map((name) => succeededCustomRun(run, name, source)));
  const count = succeededPipelineTasks(
    state,
    'CustomRun',
    new Set(names.filter((_, i) => succeeded[i])),
  );
  if (count === 0) return result;
  const completedTasks = (result.summary.completedTasks ?? 0) + count;
  return { ...result, summary: { ...result.summary, completedTasks } };
}

async function succeededCustomRun(
  run: KubeObject,
  name: string,
  { live, customRunType, namespace, logger, signal }: CustomRunsSource,
): Promise<boolean> {
  try {
    const read = await live.get<KubeObject>(customRunType, namespace, name, { signal });
    // A CustomRun's metadata and Succeeded condition read as a TaskRun's do.
    const customRun = read ? TaskRunStateSchema.parse(read) : undefined;
    return (
      customRun !== undefined &&
      isChildOf(customRun, run.metadata?.uid) &&
      succeededCondition(customRun)?.status === 'True'
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    logger.warn(
      {
        namespace,
        pipelineRun: run.metadata?.name,
        customRun: name,
        reason: error instanceof RoundhouseError ? error.reason : 'unclassified',
        error: error instanceof Error ? error.message : String(error),
      },
      'could not read a CustomRun of the PipelineRun; it is not counted among its completed tasks',
    );
    return false;
  }
}
