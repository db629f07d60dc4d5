import type { Conventions, ResourceType } from '@roundhouse/core';
import { isKubernetesError, type KubeObject, type Reader } from '@roundhouse/kube';
import {
  childTaskRuns,
  isChildOf,
  isPipelineRunFinished,
  isTaskRunFinished,
  type PipelineRunState,
  type TaskRunState,
  TaskRunStateSchema,
} from './status.js';
import { childTaskRunsSelector } from './task-runs-read.js';

/** Children whose TaskRun could not be read (a refused or failed request, a bad shape). */
export interface UnreadTaskRuns {
  readonly count: number;
  /** The first read's error. */
  readonly error: unknown;
}

/**
 * The children read, and those that could not be: their details are only left out, as the
 * PipelineRun alone says whether the run succeeded (kubernaut skips a TaskRun it cannot get).
 */
export interface ChildTaskRuns {
  readonly taskRuns: TaskRunState[];
  readonly unread?: UnreadTaskRuns | undefined;
  /**
   * Children of a finished run the API server no longer holds for it (a pruner deleted them, or
   * a later run of the same name replaced them): what they did is lost, and they may have run.
   */
  readonly gone?: number | undefined;
}

export interface ChildTaskRunsSource {
  /** Where status reads go: a controller's cache, or the API server. */
  readonly reader: Reader;
  /** The API server itself, asked when the reader is provably behind. */
  readonly live: Reader;
  readonly taskRunType: ResourceType;
  readonly conventions: Conventions;
  readonly namespace: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The child TaskRuns of the PipelineRun `run` (`state` is its parse): those carrying its
 * `tekton.dev/pipelineRun` label and the execution label in one list (a controller's cache
 * answers it, see `taskRunsRead`), and any other child it names (a TaskRun without the labels,
 * one the cache has not seen yet) by name, as kubernaut reads each child; one that is gone is
 * passed over, and so is one of another run of the same name (Tekton's uid label).
 *
 * Once the run has finished, every child the reader lacks, holds unfinished or holds for another
 * run is read from the API server: Tekton finishes a run's TaskRuns before the run, so such a
 * copy is a cache behind its watch, and the result about to become final would otherwise lose
 * the failed step, its exit code and the count of tasks that succeeded.
 */
export async function readChildTaskRuns(
  run: KubeObject,
  state: PipelineRunState,
  source: ChildTaskRunsSource,
): Promise<ChildTaskRuns> {
  const { reader, live, taskRunType, namespace, signal } = source;
  const runUid = run.metadata?.uid;
  const ours = (taskRun: TaskRunState) => isChildOf(taskRun, runUid);
  const finished = isPipelineRunFinished(state);
  // The reader's copy stands unless the run has finished and the reader may be behind.
  const trusted = (taskRun: TaskRunState) =>
    !finished || reader === live || isTaskRunFinished(taskRun);
  const names = [...new Set(childTaskRuns(state).map((ref) => ref.name))];
  const held = new Map<string, TaskRunState>();
  try {
    const listed = await reader.list<KubeObject>(taskRunType, namespace, {
      labelSelector: childTaskRunsSelector(source.conventions, run.metadata?.name ?? ''),
      signal,
    });
    for (const item of listed.items) {
      const taskRun = TaskRunStateSchema.parse(item);
      if (ours(taskRun)) held.set(taskRun.metadata.name, taskRun);
    }
  } catch (error) {
    // Asking for each child by name would meet the same refusal, once per child.
    throwIfAborted(error, signal);
    return { taskRuns: [], unread: { count: names.length, error } };
  }
  let unread: UnreadTaskRuns | undefined;
  let gone = 0;
  const children = await Promise.all(
    names.map(async (name) => {
      const cached = held.get(name);
      if (cached && trusted(cached)) return cached;
      const from = finished ? live : reader;
      try {
        const read = await from.get<KubeObject>(taskRunType, namespace, name, { signal });
        const taskRun = read ? TaskRunStateSchema.parse(read) : undefined;
        if (taskRun && ours(taskRun)) return taskRun;
        // A running run's child may not have reached the reader yet; a finished one's is gone.
        if (finished) gone++;
        return undefined;
      } catch (error) {
        throwIfAborted(error, signal);
        unread = { count: (unread?.count ?? 0) + 1, error: unread ? unread.error : error };
        return undefined;
      }
    }),
  );
  const taskRuns = children.filter((taskRun) => taskRun !== undefined);
  return { taskRuns, ...(unread ? { unread } : {}), ...(gone > 0 ? { gone } : {}) };
}

/** A read that failed because the caller gave up is no missing detail: it is thrown on. */
function throwIfAborted(error: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw error;
}

/**
 * The TaskRuns Tekton has created for the PipelineRun `run` that its status does not list yet
 * (`state` is its parse): Tekton writes a TaskRun into `childReferences` only after creating it,
 * when its reconcile's status write lands, or the next reconcile's if that one failed.
 * Listed as `readChildTaskRuns` lists (a controller's cache answers from memory). Undefined when
 * they cannot be read: one of them may be running.
 */
export async function readUnrecordedTaskRuns(
  run: KubeObject,
  state: PipelineRunState,
  source: Omit<ChildTaskRunsSource, 'live'>,
): Promise<TaskRunState[] | undefined> {
  const recorded = new Set(childTaskRuns(state).map((ref) => ref.name));
  const listed = await listChildren(run, source.taskRunType, source);
  return listed?.filter((taskRun) => !recorded.has(taskRun.metadata.name));
}

/**
 * The PipelineRun `run`'s children of each of `types` (its CustomRuns, its child PipelineRuns),
 * listed as its TaskRuns are: Tekton gives every child the run's labels and its own
 * (`createChildResourceLabels`, v1.15), and a CustomRun's or PipelineRun's metadata and
 * Succeeded condition read as a TaskRun's. A kind the cluster does not serve has none. Undefined
 * when one cannot be read: it may be running, or be the refused run created since.
 */
export async function readOtherChildren(
  run: KubeObject,
  types: readonly ResourceType[],
  source: Omit<ChildTaskRunsSource, 'live' | 'taskRunType'>,
): Promise<TaskRunState[] | undefined> {
  const lists = await Promise.all(types.map((type) => listChildren(run, type, source, true)));
  return lists.some((list) => list === undefined) ? undefined : (lists.flat() as TaskRunState[]);
}

/** The run's children of `type`, by its labels and uid label; undefined when they cannot be read. */
async function listChildren(
  run: KubeObject,
  type: ResourceType,
  { reader, conventions, namespace, signal }: Omit<ChildTaskRunsSource, 'live' | 'taskRunType'>,
  unservedIsEmpty = false,
): Promise<TaskRunState[] | undefined> {
  try {
    const listed = await reader.list<KubeObject>(type, namespace, {
      labelSelector: childTaskRunsSelector(conventions, run.metadata?.name ?? ''),
      signal,
    });
    return listed.items
      .map((item) => TaskRunStateSchema.parse(item))
      .filter((child) => isChildOf(child, run.metadata?.uid));
  } catch (error) {
    throwIfAborted(error, signal);
    return unservedIsEmpty && isKubernetesError(error, 'NotFound') ? [] : undefined;
  }
}
