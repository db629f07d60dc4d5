import {
  noopLogger,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeClient, KubeObject, Reader, ResourceType } from '@roundhouse/kube';
import {
  buildPod,
  type PodEngineSettings,
  type PodExecutionStatus,
  type PodExecutor,
  taskRuns,
  tasks,
} from '@roundhouse/pod';
import { describe, expect, it, vi } from 'vitest';
import { TaskRunReconciler } from './reconciler.js';

const namespace = 'ci';
const key = `${namespace}/build-1`;
const now = new Date('2026-01-02T03:00:10Z');

const runObject = (status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'TaskRun',
  metadata: { name: 'build-1', namespace, uid: 'uid-1', resourceVersion: '10' },
  spec: { taskRef: { name: 'build' } },
  ...(status ? { status } : {}),
});

const task: KubeObject = {
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 'build', namespace, uid: 'task-uid', resourceVersion: '3' },
  spec: { steps: [{ name: 'make', image: 'registry.invalid/make:1', script: 'make' }] },
};

const runningPod: PodExecutionStatus = {
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

/** The reconciler on fakes that record every request, with the cache holding `run`. */
function setup(
  run: KubeObject,
  options: {
    pod?: PodExecutionStatus;
    podCached?: boolean;
    live?: KubeObject;
    attempt?: number;
    /** The run was deleted: the cache no longer holds it. */
    gone?: boolean;
    task?: KubeObject;
    /** What the engine's create does with the execution the run becomes. */
    create?: (wfe: WorkflowExecution) => unknown;
  } = {},
) {
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
          ? (options.task ?? task)
          : null) as T | null,
    list: async () => ({ items: [], resourceVersion: '1' }),
  };
  const executor = {
    getStepStatus: vi.fn(async () => options.pod ?? null),
    create: vi.fn(async (wfe: WorkflowExecution) => {
      options.create?.(wfe);
      return { resourceName: 'build-1-pod', warnings: [] };
    }),
    cleanup: vi.fn(async () => {}),
  };
  const runs = { observe: vi.fn() };
  const reconciler = new TaskRunReconciler({
    client: client as unknown as KubeClient,
    reader,
    runs,
    podCached: () => options.podCached ?? false,
    executor: executor as unknown as PodExecutor,
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

describe('TaskRunReconciler requests', () => {
  it('does nothing, and fails nothing, for a run that no longer exists', async () => {
    const { client, executor, runs, reconcile } = setup(runObject(), {
      gone: true,
      podCached: true,
      pod: runningPod,
    });
    await expect(reconcile()).resolves.toBeUndefined();
    expect(executor.create).not.toHaveBeenCalled();
    expect(executor.getStepStatus).not.toHaveBeenCalled();
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
    expect(runs.observe).not.toHaveBeenCalled();
  });

  it('creates a new run’s Pod without asking the API server about the run or its Pod first', async () => {
    const { client, executor, reconcile } = setup(runObject());
    await reconcile();
    expect(executor.create).toHaveBeenCalledOnce();
    expect(executor.getStepStatus).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
  });

  it('after a failed reconcile, reads the run and creates no Pod for one whose status already names it', async () => {
    // The cache lacks a status write that landed without an answer; the Pod was deleted since.
    const live = runObject({ phase: 'Running', podName: 'build-1-pod' });
    const { client, executor, reconcile } = setup(runObject(), { live, attempt: 1 });
    await reconcile();
    expect(client.get).toHaveBeenCalledOnce();
    expect(executor.create).not.toHaveBeenCalled();
  });

  it('after a failed reconcile, reads the run and creates its Pod when none was', async () => {
    const { client, executor, reconcile } = setup(runObject(), { attempt: 1 });
    await reconcile();
    expect(client.get).toHaveBeenCalledOnce();
    expect(executor.create).toHaveBeenCalledOnce();
  });

  it('reads a cached Pod of a run whose status names none yet, and creates nothing', async () => {
    const { executor, client, reconcile } = setup(runObject(), {
      pod: runningPod,
      podCached: true,
    });
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenCalledOnce();
    expect(executor.create).not.toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledOnce();
  });

  it('asks for the Pod a status names even when the cache holds none, before failing the run', async () => {
    const { executor, client, reconcile } = setup(
      runObject({ phase: 'Running', podName: 'build-1-pod' }),
      { pod: runningPod, podCached: false },
    );
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenCalledOnce();
    expect(client.patch.mock.calls[0]?.[3]).not.toHaveProperty('status.reason', 'PodDeleted');
  });

  it('writes the status onto the cached run without a read, and caches what the write returned', async () => {
    const { client, runs, reconcile } = setup(
      runObject({ phase: 'Pending', podName: 'build-1-pod' }),
      { pod: runningPod, podCached: true },
    );
    await reconcile();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledOnce();
    const [, , , body] = client.patch.mock.calls[0] as unknown as [
      unknown,
      unknown,
      unknown,
      KubeObject,
    ];
    expect(body.metadata?.resourceVersion).toBe('10');
    expect(body.status).toMatchObject({ phase: 'Running', reason: 'StepRunning' });
    expect(runs.observe).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ metadata: expect.objectContaining({ resourceVersion: '11' }) }),
    );
  });

  it('sends nothing for a run whose status already shows its Pod', async () => {
    const first = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: runningPod,
      podCached: true,
    });
    await first.reconcile();
    const written = (await first.client.patch.mock.results[0]?.value) as KubeObject;
    const { client, reconcile } = setup(written, { pod: runningPod, podCached: true });
    await reconcile();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
  });

  it('deletes no Pod of a timed-out run when the cache holds none', async () => {
    const { executor, client, reconcile } = setup(
      runObject({ phase: 'Failed', reason: 'TimedOut', podName: 'build-1-pod' }),
    );
    await reconcile();
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
  });
});

describe('TaskRunReconciler refusals', () => {
  /** The pod engine's own checks, as `PodExecutor.create` makes them before sending anything. */
  const engine =
    (settings: Partial<PodEngineSettings>) =>
    (wfe: WorkflowExecution): void => {
      buildPod(wfe, namespace, undefined, {
        conventions: roundhouseConventions,
        serviceAccountName: 'default',
        securityProfile: 'restricted',
        allowedImages: ['registry.invalid/*'],
        ownerReference: false,
        ...settings,
      });
    };
  const statusWritten = (client: ReturnType<typeof setup>['client']) =>
    (client.patch.mock.calls[0]?.[3] as KubeObject | undefined)?.status;

  it("names the Task's parallel field when its parallel steps leave each too little of --step-resource-limits", async () => {
    const wide: KubeObject = {
      ...task,
      spec: {
        parallel: true,
        steps: Array.from({ length: 50 }, (_, i) => ({
          name: `s${i}`,
          image: 'registry.invalid/make:1',
          script: 'make',
        })),
      },
    };
    const { client, reconcile } = setup(runObject(), {
      task: wide,
      create: engine({ resources: { limits: { memory: '512Mi' } } }),
    });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({
      phase: 'Failed',
      reason: 'InvalidTask',
      message: expect.stringMatching(
        /^task\.spec\.parallel: parallel steps share the Pod's 512Mi of memory: 50 steps leave each /,
      ),
    });
  });

  it("names the Task's step image an image policy refuses", async () => {
    const { client, reconcile } = setup(runObject(), { create: engine({ allowedImages: [] }) });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({
      phase: 'Failed',
      reason: 'Forbidden',
      message: expect.stringMatching(
        /^task\.spec\.steps\.0\.image: image "registry\.invalid\/make:1"/,
      ),
    });
  });
});

describe('TaskRunReconciler waits', () => {
  const statusWritten = (client: ReturnType<typeof setup>['client']) =>
    (client.patch.mock.calls[0]?.[3] as KubeObject | undefined)?.status;
  const predecessor = { namespace, name: 'build-1' };

  it.each([
    ['PreviousExecutionNotCleaned', new PreviousExecutionNotCleanedError('wfe-1a', predecessor)],
    // Labels naming this run on a Pod it does not own: the engine names no owner.
    ['ResourceLocked', new ResourceLockedError('wfe-1a', undefined)],
  ])(
    'for a deleted predecessor’s Pod of its name (%s), saying the garbage collector removes it',
    async (reason, error) => {
      const { client, reconcile } = setup(runObject(), {
        create: () => {
          throw error;
        },
      });
      await expect(reconcile()).rejects.toBe(error);
      expect(statusWritten(client)).toEqual({
        phase: 'Pending',
        reason,
        message:
          'pod wfe-1a of an earlier TaskRun ci/build-1, since deleted, is still there; this run creates its own once the garbage collector has removed it',
      });
    },
  );

  it('for a Pod of its name that another owner claims, naming that owner', async () => {
    const error = new ResourceLockedError('wfe-1a', { namespace, name: 'other' });
    const { client, reconcile } = setup(runObject(), {
      create: () => {
        throw error;
      },
    });
    await expect(reconcile()).rejects.toBe(error);
    expect(statusWritten(client)).toEqual({
      phase: 'Pending',
      reason: 'ResourceLocked',
      message: error.message,
    });
  });
});

describe('TaskRunReconciler requeues', () => {
  it("looks at a run again when its waiting step's startup grace ends, counted from when it began to wait", async () => {
    // The Pod was created at 03:00:00; its second step has waited for its image since the first
    // ended at 03:00:08, so the engine fails it at 03:00:23, not at the Pod's 03:00:15.
    const pulling: PodExecutionStatus = {
      ...runningPod,
      steps: [
        {
          name: 'fetch',
          state: 'Succeeded',
          exitCode: 0,
          startedAt: '2026-01-02T03:00:01Z',
          finishedAt: '2026-01-02T03:00:08Z',
        },
        { name: 'make', state: 'Waiting', reason: 'ImagePullBackOff' },
      ],
      startupGraceEndsAt: '2026-01-02T03:00:23Z',
    };
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: pulling,
      podCached: true,
    });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 13_000 });
  });

  it('looks at a run again at once when the grace ended since the engine read the Pod', async () => {
    // The engine read its clock a moment before 03:00:10, when the grace had not ended.
    const ended: PodExecutionStatus = {
      ...runningPod,
      steps: [{ name: 'make', state: 'Waiting', reason: 'ImagePullBackOff' }],
      startupGraceEndsAt: '2026-01-02T03:00:10Z',
    };
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: ended,
      podCached: true,
    });
    // The controller requeues only after a wait above 0.
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 1 });
  });

  it('sets no grace timer for a run with no step waiting in its grace, only its timeout', async () => {
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: runningPod,
      podCached: true,
    });
    // The default timeout (1h) from the Pod's creation, 10 s ago.
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 3_590_000 });
  });
});
