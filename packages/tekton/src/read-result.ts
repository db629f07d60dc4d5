import {
  type Conventions,
  type ExecutionResult,
  type Logger,
  type ResourceType,
  RoundhouseError,
} from '@roundhouse/core';
import type { KubeObject, Reader, StatusContext } from '@roundhouse/kube';
import { type ChildTaskRuns, readChildTaskRuns } from './child-task-runs.js';
import {
  childTaskRuns,
  type PipelineRunState,
  PipelineRunStateSchema,
  pipelineRunResult,
} from './status.js';
import { explainStuckStart, startFailedResult } from './stuck-start.js';

/** What reading a PipelineRun's result needs besides the run and the status context. */
export interface ResultSettings {
  /** The API server itself, asked when the reader may be behind (see `readChildTaskRuns`). */
  readonly live: Reader;
  readonly taskRunType: ResourceType;
  readonly conventions: Conventions;
  /**
   * How long after its creation a running PipelineRun whose tasks cannot start (see
   * `explainStuckStart`) is failed with the cause instead of waiting for its timeout.
   */
  readonly startupGraceMs: number;
  readonly logger: Logger;
}

/**
 * A PipelineRun's result, with its child TaskRuns (see `readChildTaskRuns`). TaskRuns that
 * cannot be read only leave their details out: the run's own condition is the verdict, and a
 * status read that failed on them would keep a finished execution from ending. A run still
 * running past the startup grace whose tasks cannot start fails with the cause.
 */
export async function readPipelineRunResult(
  run: KubeObject,
  settings: ResultSettings,
  context: StatusContext,
): Promise<ExecutionResult> {
  const state = PipelineRunStateSchema.parse(run);
  if (childTaskRuns(state).length === 0) {
    return pipelineRunResult(state, [], undefined, settings.conventions);
  }
  const children = await readChildTaskRuns(run, state, { ...settings, ...context });
  const result = resultOf(run, state, children, settings, context);
  const created = Date.parse(run.metadata?.creationTimestamp ?? '');
  if (result.phase !== 'Running' || !(Date.now() - created >= settings.startupGraceMs)) {
    return result;
  }
  if (!explainStuckStart(state, children.taskRuns)) return result;
  // A failure is final: a cache's word that no task can start is checked with the API server.
  const confirmed =
    context.reader === settings.live
      ? children
      : await readChildTaskRuns(run, state, { ...settings, ...context, reader: settings.live });
  const stuck = confirmed.unread ? undefined : explainStuckStart(state, confirmed.taskRuns);
  return stuck ? startFailedResult(result, stuck) : result;
}

function resultOf(
  run: KubeObject,
  state: PipelineRunState,
  { taskRuns, unread }: ChildTaskRuns,
  { logger, conventions }: ResultSettings,
  context: StatusContext,
): ExecutionResult {
  if (!unread) return pipelineRunResult(state, taskRuns, undefined, conventions);
  const reason = unread.error instanceof RoundhouseError ? unread.error.reason : 'unclassified';
  logger.warn(
    {
      namespace: context.namespace,
      pipelineRun: run.metadata?.name,
      unread: unread.count,
      reason,
      error: unread.error instanceof Error ? unread.error.message : String(unread.error),
    },
    "could not read the PipelineRun's TaskRuns; their details are left out",
  );
  return pipelineRunResult(state, taskRuns, { count: unread.count, reason }, conventions);
}
