import { type ExecutionResult, noopLogger, type WorkflowExecution } from '@roundhouse/core';
import type { KubeClient, KubeObject, Reader, ResourceType } from '@roundhouse/kube';
import { type PodExecutionStatus, type PodExecutor, taskRuns, tasks } from '@roundhouse/pod';
import { type Mock, vi } from 'vitest';
import { TaskRunReconciler } from './reconciler.js';

/*
 * The TaskRun build-1 of the Task build in namespace ci, and the reconciler on fakes, shared by
 * the reconciler's tests: its requests (reconciler.test.ts), the status a refused or waiting
 * create leaves (reconciler-create-errors.test.ts), and when it looks again
 * (reconciler-requeue.test.ts), the Pod read again before it is deleted
 * (reconciler-fresh-read.test.ts) and a run held without a Pod (reconciler-held.test.ts).
 */

export const namespace = 'ci';
const key = `${namespace}/build-1`;
/** The reconciler's clock: 10 s after runningPod's creation, which the requeue tests count from. */
const now = new Date('2026-01-02T03:00:10Z');

export const runObject = (status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'TaskRun',
  metadata: { name: 'build-1', namespace, uid: 'uid-1', resourceVersion: '10' },
  spec: { taskRef: { name: 'build' } },
  ...(status ? { status } : {}),
});

export const task: KubeObject = {
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 'build', namespace, uid: 'task-uid', resourceVersion: '3' },
  spec: { steps: [{ name: 'make', image: 'registry.invalid/make:1', script: 'make' }] },
};

export const runningPod: PodExecutionStatus = {
  podName: 'build-1-pod',
  createdAt: '2026-01-02T03:00:00Z',
  steps: [{ name: 'make', state: 'Running', startedAt: '2026-01-02T03:00:01Z' }],
  result: {
    phase: 'Running',
    reason: 'StepRunning',
    message: 'running step 1/1 (make)',
    summary: { status: 'Unknown', completedTasks: 0, totalTasks: 1 },
  },
};

/** runningPod once `steps` failed the run, as `failure` says, none of them having succeeded. */
export const failedPod = (
  steps: PodExecutionStatus['steps'],
  failure: Pick<ExecutionResult, 'reason' | 'message' | 'failureReason'>,
): PodExecutionStatus => ({
  ...runningPod,
  steps,
  result: {
    phase: 'Failed',
    ...failure,
    summary: { status: 'False', completedTasks: 0, totalTasks: steps.length },
  },
});

/** runningPod failed by its one step, which cannot start: its image cannot be pulled. */
export const stuckPod = failedPod(
  [{ name: 'make', state: 'Waiting', reason: 'ImagePullBackOff' }],
  {
    reason: 'StartFailed',
    message: 'step make cannot start: ImagePullBackOff',
    failureReason: 'ImagePullBackOff',
  },
);

/** The run's Pod as the engine's create answers it, which `stepStatusOf` reads. */
export const createdPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'build-1-pod', namespace, uid: 'pod-uid', resourceVersion: '12' },
};

/** The fakes, which record every request, and a reconcile of the run. */
export interface Setup {
  readonly client: {
    readonly get: Mock<() => Promise<KubeObject>>;
    readonly patch: Mock<
      (type: ResourceType, namespace: string, name: string, body: KubeObject) => Promise<KubeObject>
    >;
    readonly replace: Mock<() => Promise<KubeObject>>;
  };
  readonly executor: {
    readonly getStepStatus: Mock<
      (
        wfe: WorkflowExecution,
        namespace: string,
        options?: { fresh?: boolean | undefined },
      ) => Promise<PodExecutionStatus | null>
    >;
    readonly createResource: Mock<
      (
        wfe: WorkflowExecution,
      ) => Promise<{ resourceName: string; warnings: string[]; object: KubeObject }>
    >;
    readonly stepStatusOf: Mock<(pod: KubeObject) => Promise<PodExecutionStatus | null>>;
    readonly cleanup: Mock<() => Promise<void>>;
  };
  readonly runs: { readonly observe: Mock<(object: KubeObject) => void> };
  reconcile(): ReturnType<TaskRunReconciler['reconcile']>;
}

/** The reconciler on fakes that record every request, with the cache holding `run`. */
export function setup(
  run: KubeObject,
  options: {
    /** The run's Pod as the cache shows it. */
    pod?: PodExecutionStatus;
    /** The run's Pod as the API server shows it (null: gone); default as the cache does. */
    fresh?: PodExecutionStatus | null;
    podCached?: boolean;
    live?: KubeObject;
    attempt?: number;
    /** The run was deleted: the cache no longer holds it. */
    gone?: boolean;
    /** The run's Task; null: there is none. */
    task?: KubeObject | null;
    missingTask?: 'fail' | 'wait';
    /** What the engine's create does with the execution the run becomes. */
    create?: (wfe: WorkflowExecution) => unknown;
    /** The Pod that holds the run's Pod name, when the engine's create finds one. */
    holder?: KubeObject;
    /** The Pod as the engine's create answered it (null: its deletion stopped it); default running. */
    created?: PodExecutionStatus | null;
  } = {},
): Setup {
  const client = {
    get: vi.fn(async () => options.live ?? run),
    patch: vi.fn(async (_type: ResourceType, _ns: string, _name: string, body: KubeObject) => ({
      ...run,
      metadata: { ...run.metadata, resourceVersion: '11' },
      status: { ...(run.status as object), ...(body.status as object) },
    })),
    replace: vi.fn(async () => run),
  };
  const reader: Reader = {
    get: async <T extends KubeObject>(type: ResourceType) =>
      (type === taskRuns
        ? options.gone
          ? null
          : run
        : type === tasks
          ? options.task === undefined
            ? task
            : options.task
          : (options.holder ?? null)) as T | null,
    list: async () => ({ items: [], resourceVersion: '1' }),
  };
  const executor = {
    getStepStatus: vi.fn(
      async (_wfe: WorkflowExecution, _ns: string, read?: { fresh?: boolean | undefined }) =>
        read?.fresh && options.fresh !== undefined ? options.fresh : (options.pod ?? null),
    ),
    createResource: vi.fn(async (wfe: WorkflowExecution) => {
      options.create?.(wfe);
      return { resourceName: 'build-1-pod', warnings: [], object: createdPod };
    }),
    stepStatusOf: vi.fn(async (_pod: KubeObject) =>
      options.created === undefined ? runningPod : options.created,
    ),
    cleanup: vi.fn(async () => {}),
  };
  const runs = { observe: vi.fn<(object: KubeObject) => void>() };
  const reconciler = new TaskRunReconciler({
    client: client as unknown as KubeClient,
    reader,
    runs,
    podCached: () => options.podCached ?? false,
    executor: executor as unknown as PodExecutor,
    missingTask: options.missingTask,
    now: () => now,
  });
  const reconcile = () =>
    reconciler.reconcile(key, {
      signal: new AbortController().signal,
      logger: noopLogger,
      attempt: options.attempt ?? 0,
    });
  return { client, executor, runs, reconcile };
}

/** The status the reconciler's first write sent, if it wrote one. */
export const statusWritten = (client: Setup['client']) =>
  (client.patch.mock.calls[0]?.[3] as KubeObject | undefined)?.status;
