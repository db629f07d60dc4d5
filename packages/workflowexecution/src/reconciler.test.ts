/**
 * Past 350 lines: the reconciler's state machine end to end (start, observe, finish, cooldown,
 * cleanup, finalize, a restart), each case over the same scripted client and cache set-up; the
 * Events (reconciler-events.test.ts), kinds and re-created objects have files of their own.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  CleanupPendingError,
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubeClient, type KubeObject, KubernetesApiError, type Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer } from './execution-server.test-support.js';
import { following } from './executions-by-target.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  keyedRecorder,
  reconcilerOver,
} from './reconciler.test-support.js';
import { cleanupFinalizer } from './resource.js';

/** The spec of most executions here: workflow w on team-a's app, run by `executionEngine`. */
const specOn = (executionEngine: string) => ({
  workflowRef: { workflowId: 'w', version: '1', executionBundle: 'registry.invalid/w:1' },
  targetResource: 'team-a/deployment/app',
  executionEngine,
});

describe('WorkflowExecutionReconciler', () => {
  it('ignores executions outside its watched namespace, even when another engine event maps to them', async () => {
    // Two controllers can share an execution namespace: one's Job events map to the other's
    // executions. Touching them would mean two controllers driving one execution.
    const reader: Reader = {
      get: vi.fn(async () => {
        throw new Error('must not read');
      }),
      list: async <T extends KubeObject>() => ({ items: [] as T[], resourceVersion: '1' }),
    };
    const reconciler = reconcilerOver(
      { client: new KubeClient(new KubeConfig()), reader },
      { executionNamespace: 'shared-executions', watchNamespace: 'team-a' },
    );
    expect(await reconciler.reconcile('team-b/restart', ctx())).toBeUndefined();
    expect(reader.get).not.toHaveBeenCalled();
    await expect(reconciler.reconcile('team-a/restart', ctx())).rejects.toThrow('must not read');
  });

  it('records one WorkflowFailed Event for an invalid execution, however often it is reconciled', async () => {
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name: 'bad', namespace: 'team-a', uid: 'u-1', resourceVersion: '1' },
      spec: { targetResource: '../../etc' },
    });
    const { events, recorder } = keyedRecorder();
    const reconciler = reconcilerOver(api, { events: recorder });
    await reconciler.reconcile('team-a/bad', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Failed' });
    // A resync, then the author edits a label: the execution stays Failed, nothing new to say.
    await reconciler.reconcile('team-a/bad', ctx());
    api.write({ metadata: { labels: { edited: 'yes' } } });
    await reconciler.reconcile('team-a/bad', ctx());
    expect(events.record).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'bad' }) }),
      'Warning',
      'WorkflowFailed',
      expect.stringMatching(/^Pre-execution failure: ConfigurationError - spec\.workflowRef: /),
      { key: 'WorkflowFailed', signal: expect.any(AbortSignal) },
    );
  });

  it('records LockReleased under its key before the write, so a replica acting on an older copy repeats the same Event', async () => {
    // A replica paused past its lease resumes with a cache from before the new leader released
    // the lock. Its record is the leader's Event again (same key, so the same name, refused by
    // the API server), and its write conflicts and finds nothing left to change.
    const completed = {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: {
        name: 'done',
        namespace: 'team-a',
        uid: 'u-2',
        resourceVersion: '5',
        finalizers: ['roundhouse.dev/execution-cleanup'],
      },
      spec: specOn('job'),
      status: { phase: 'Completed', completionTime: '2026-01-01T00:00:00Z', conditions: [] },
    };
    const released = {
      ...completed,
      metadata: { ...completed.metadata, resourceVersion: '6' },
      status: {
        ...completed.status,
        conditions: [
          {
            type: 'LockReleased',
            status: 'True',
            reason: 'CooldownExpired',
            message: 'released',
            lastTransitionTime: '2026-01-01T00:05:00Z',
          },
        ],
      },
    };
    const conflict = async () => {
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    };
    const patch = vi.fn(conflict);
    const client = { get: async () => released, patch, replace: vi.fn(conflict) };
    const { events, recorder } = keyedRecorder();
    const reconciler = reconcilerOver(
      {
        client: client as unknown as KubeClient,
        reader: { get: async () => completed } as unknown as Reader,
      },
      { cooldownMs: 1_000, events: recorder },
    );
    await reconciler.reconcile('team-a/done', ctx());
    expect(patch).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ uid: 'u-2' }) }),
      'Normal',
      'LockReleased',
      'Lock released for team-a/deployment/app after cooldown',
      { key: 'LockReleased', signal: expect.any(AbortSignal) },
    );
    expect(events.record.mock.invocationCallOrder[0]).toBeLessThan(
      patch.mock.invocationCallOrder[0] as number,
    );
  });

  it("UT-WE-1520-001: holds an execution on a target in its cooldown in Pending, saying so in kubernaut's CooldownActive words", async () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const target = 'team-a/deployment/app';
    const spec = specOn('job');
    // Finished 31 s before now; the cooldown is 5 minutes.
    const prior: KubeObject = {
      metadata: { name: 'prior', namespace: 'team-a', uid: 'u-prior', resourceVersion: '3' },
      spec,
      status: {
        phase: 'Completed',
        completionTime: '2026-01-01T00:09:29Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
      },
    };
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name: 'next', namespace: 'team-a', uid: 'u-next', resourceVersion: '1' },
      spec,
    });
    const reconciler = reconcilerOver(api, {
      targets: following([prior, api.state.stored]),
      cooldownMs: 5 * 60_000,
      now: () => now,
    });
    const result = await reconciler.reconcile('team-a/next', ctx());
    expect(result).toEqual({ requeueAfter: 269_000 });
    expect(api.state.stored.status).toMatchObject({ phase: 'Pending' });
    expect(api.state.stored.status).not.toHaveProperty('executionRef');
    const status = api.state.stored.status as { conditions?: { type: string }[] } | undefined;
    const conditions = status?.conditions ?? [];
    const waiting = conditions.find((c) => c.type === 'Waiting');
    expect(waiting).toMatchObject({
      status: 'True',
      reason: 'CooldownActive',
      message: `Execution deferred: cooldown active for ${target} (remaining: 4m29s) after team-a/prior`,
    });
  });
});

describe('WorkflowExecutionReconciler across a restart', () => {
  const now = new Date('2026-01-01T00:10:00Z');

  it('launches nothing for an unwatched engine until the finalizer is in place', async () => {
    // The ansible engine's lock and AWX job are found by no watch: created beside a finalizer
    // write that never landed (a crash, then the author's delete), they would hold the target
    // and run on with nothing left to clean them up.
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name: 'playbook', namespace: 'team-a', uid: 'u-7', resourceVersion: '1' },
      spec: specOn('ansible'),
    });
    const timeline: string[] = [];
    let finalizerFails = true;
    const patch = api.client.patch.bind(api.client);
    api.client.patch = (async (...args: Parameters<KubeClient['patch']>) => {
      if ((args[4] as { subresource?: string } | undefined)?.subresource !== undefined)
        return patch(...args);
      timeline.push('finalizer sent');
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (finalizerFails) throw new KubernetesApiError('InternalError', 'etcd is busy', 500);
      timeline.push('finalizer written');
      return patch(...args);
    }) as KubeClient['patch'];
    const create = vi.fn(async () => {
      timeline.push('launched');
      return { resourceName: 'job-42', warnings: [] };
    });
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ engine: 'ansible', create }),
      policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
      watchedEngines: new Set(['job']),
      orphans: { release: async () => {}, createdFor: () => undefined, holds: () => false },
      now: () => now,
    });
    await expect(reconciler.reconcile('team-a/playbook', ctx())).rejects.toThrow('etcd is busy');
    expect(create).not.toHaveBeenCalled();
    finalizerFails = false;
    await reconciler.reconcile('team-a/playbook', ctx());
    expect(timeline).toEqual(['finalizer sent', 'finalizer sent', 'finalizer written', 'launched']);
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('removes the Job it created for an execution deleted while its finalizer write was being retried', async () => {
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name: 'brief', namespace: 'team-a', uid: 'u-4', resourceVersion: '1' },
      spec: specOn('job'),
    });
    // The finalizer write (a patch of the object itself, not of its status) fails.
    const patch = api.client.patch.bind(api.client);
    api.client.patch = (async (...args: Parameters<KubeClient['patch']>) => {
      if ((args[4] as { subresource?: string } | undefined)?.subresource === undefined)
        throw new KubernetesApiError('InternalError', 'etcd is busy', 500);
      return patch(...args);
    }) as KubeClient['patch'];
    const cleanup = vi.fn(async () => {});
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
      // A watched engine creates beside the finalizer write (orphans are found by owner).
      watchedEngines: new Set(['job']),
      orphans: { release: async () => {}, createdFor: () => undefined, holds: () => false },
      now: () => now,
    });
    await expect(reconciler.reconcile('team-a/brief', ctx())).rejects.toThrow('etcd is busy');
    expect(cleanup).not.toHaveBeenCalled();
    // Without the finalizer the author's delete removes the execution at once, before the retry.
    api.state.stored = null as unknown as KubeObject;
    await reconciler.reconcile('team-a/brief', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(cleanup).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ uid: 'u-4' }) }),
      'executions',
      expect.anything(),
    );
  });

  it('records one CleanupSkipped Event for a deleted execution of a lost engine, however often its finalizer write is retried', async () => {
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: {
        name: 'orphan',
        namespace: 'team-a',
        uid: 'u-5',
        resourceVersion: '3',
        deletionTimestamp: '2026-01-01T00:09:00Z',
        finalizers: ['roundhouse.dev/execution-cleanup'],
      },
      spec: specOn('ansible'),
      status: { phase: 'Running', executionRef: { name: 'awx-job-7' }, conditions: [] },
    });
    let refusals = 1;
    api.client.patch = (async () => {
      if (refusals-- > 0) throw new KubernetesApiError('InternalError', 'etcd is busy', 500);
      return null;
    }) as unknown as KubeClient['patch'];
    // A recorder that refuses a second Event of the same key, as the API server does.
    const { recorder, recorded } = keyedRecorder();
    const reconciler = reconcilerOver(api, { events: recorder, now: () => now });
    await expect(reconciler.reconcile('team-a/orphan', ctx())).rejects.toThrow('etcd is busy');
    await reconciler.reconcile('team-a/orphan', ctx());
    expect(recorded).toEqual([expect.stringMatching(/^Warning CleanupSkipped: /)]);
  });

  it('finalizes an execution whose engineConfig nests 5,000 levels deep: its watched resources go and so does the finalizer', async () => {
    // The API server stores objects nested 10,000 levels deep; validating one with the schema
    // alone overflowed the stack on every retry and left the execution Terminating for ever.
    let engineConfig: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 5_000; i += 1) engineConfig = { nested: engineConfig };
    const api = executionServer({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: {
        name: 'deep',
        namespace: 'team-a',
        uid: 'u-deep',
        resourceVersion: '3',
        deletionTimestamp: '2026-01-01T00:09:00Z',
        finalizers: ['roundhouse.dev/execution-cleanup'],
      },
      spec: {
        ...specOn('job'),
        workflowRef: { ...specOn('job').workflowRef, engineConfig },
      },
    });
    const cleanup = vi.fn(async () => {});
    const release = vi.fn(async () => {});
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      orphans: { release, createdFor: () => undefined, holds: () => false },
      now: () => now,
    });
    expect(await reconciler.reconcile('team-a/deep', ctx())).toBeUndefined();
    expect(release).toHaveBeenCalledWith('team-a/deep', expect.any(AbortSignal));
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.patch).toHaveBeenCalledTimes(1);
    expect(api.state.stored.metadata?.finalizers).toEqual([]);
  });

  /** What the job engine reports of a Job whose image never pulled, classified `failureReason`. */
  const startFailed = (
    started: boolean,
    failureReason: ExecutionResult['failureReason'] = 'ImagePullBackOff',
  ): ExecutionResult => ({
    phase: 'Failed',
    reason: 'StartFailed',
    message: 'container workflow cannot start: ImagePullBackOff',
    summary: { status: 'False' },
    failureReason,
    started,
  });

  /** A running execution's status, as its start wrote it at `startTime`. */
  const runningSince = (startTime: string) => ({
    phase: 'Running',
    startTime,
    executionRef: { name: 'wfe-0123456789abcdef' },
    conditions: [],
  });

  /** Execution w of the job engine, its finalizer in place, with `status` and `metadata`'s changes. */
  const execution = (status: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: {
      name: 'w',
      namespace: 'team-a',
      uid: 'u-6',
      resourceVersion: '4',
      generation: 1,
      finalizers: ['roundhouse.dev/execution-cleanup'],
      ...metadata,
    },
    spec: specOn('job'),
    status,
  });

  it('fails an overdue execution DeadlineExceeded when it was stopped just before a crash, not ExecutionResourceDeleted', async () => {
    const api = executionServer(
      execution(runningSince('2026-01-01T00:00:00Z'), {
        name: 'slow',
        uid: 'u-3',
        resourceVersion: '7',
      }),
    );
    // The Job runs until the controller stops it; then it is gone.
    let jobExists = true;
    const reconciler = () =>
      reconcilerOver(api, {
        registry: jobRegistry({
          getStatus: async () => (jobExists ? engineRunning : null),
          cleanup: async () => {
            jobExists = false;
          },
        }),
        defaultTimeoutMs: 60_000,
        deadlineGraceMs: 0,
        now: () => now,
      });
    // The first controller stops the overdue Job, then dies before its Failed status lands.
    api.state.failWrites = true;
    await expect(reconciler().reconcile('team-a/slow', ctx())).rejects.toThrow('no answer');
    expect(jobExists).toBe(false);
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    // Its successor finds the Job gone: the execution still ran past its deadline.
    api.state.failWrites = false;
    await reconciler().reconcile('team-a/slow', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'DeadlineExceeded', wasExecutionFailure: true },
    });
  });

  it('stops a running execution at spec.timesOutAt when it comes before its timeout, naming the deadline', async () => {
    const api = executionServer({
      ...execution(runningSince('2026-01-01T00:00:00Z'), {
        name: 'bounded',
        uid: 'u-4',
        resourceVersion: '3',
      }),
      spec: {
        workflowRef: { ...specOn('job').workflowRef, executionEngine: 'job' },
        targetResource: 'team-a/deployment/app',
        // Well inside the 1 h timeout, and past by `now` (00:10).
        timesOutAt: '2026-01-01T00:05:00Z',
      },
    });
    let stopped = false;
    await reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => engineRunning,
        cleanup: async () => {
          stopped = true;
        },
      }),
      defaultTimeoutMs: 3_600_000,
      deadlineGraceMs: 0,
      now: () => now,
    }).reconcile('team-a/bounded', ctx());
    expect(stopped).toBe(true);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message: expect.stringContaining('deadline (spec.timesOutAt 2026-01-01T00:05:00Z)'),
      },
    });
  });

  it('WE-H3: a finished execution without a completion time is given one and cools down in full before its lock is released', async () => {
    const api = executionServer(
      execution({ phase: 'Failed', executionRef: { name: 'wfe-0123456789abcdef' } }),
    );
    const cleanup = vi.fn(async () => {});
    let clock = now;
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      cooldownMs: 60_000,
      now: () => clock,
    });
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 60_000 });
    expect(api.state.stored.status).toMatchObject({ completionTime: '2026-01-01T00:10:00Z' });
    expect(cleanup).not.toHaveBeenCalled();
    clock = new Date(now.getTime() + 30_000);
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 30_000 });
    clock = new Date(now.getTime() + 60_000);
    await reconciler.reconcile('team-a/w', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
  });

  it('removes, before releasing the lock, the Job of a start that crashed before writing Running and was refused on its retry', async () => {
    // The Job was created, the controller died before status Running, and on the retry the
    // execution's timesOutAt had passed: it failed with no executionRef, but its Job exists.
    const api = executionServer({
      ...execution({
        phase: 'Failed',
        completionTime: '2026-01-01T00:00:00Z',
        failureDetails: {
          reason: 'DeadlineExceeded',
          message: 'm',
          failedAt: '2026-01-01T00:00:00Z',
          wasExecutionFailure: false,
        },
      }),
    });
    const cleanup = vi.fn(async () => {});
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      cooldownMs: 1_000,
      now: () => now,
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(api.state.stored.status)).toContain('LockReleased');
  });

  it.each([
    ['ImagePullBackOff', 1],
    ['TaskFailed', 0],
  ] as const)(
    'in the cooldown of a failure recorded as never run, removes the resource whose engine still reads %s (a crash or a failed delete came between): %s cleanups',
    async (failureReason, cleanups) => {
      const api = executionServer(
        execution({
          phase: 'Failed',
          executionRef: { name: 'wfe-0123456789abcdef' },
          completionTime: '2026-01-01T00:09:00Z',
          failureDetails: {
            reason: 'ImagePullBackOff',
            message: 'm',
            failedAt: '2026-01-01T00:09:00Z',
            wasExecutionFailure: false,
          },
        }),
      );
      const cleanup = vi.fn(async () => {});
      const reconciler = reconcilerOver(api, {
        registry: jobRegistry({ getStatus: async () => startFailed(true, failureReason), cleanup }),
        cooldownMs: 5 * 60_000,
        now: () => now,
      });
      expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 4 * 60_000 });
      expect(cleanup).toHaveBeenCalledTimes(cleanups);
      expect(JSON.stringify(api.state.stored.status)).not.toContain('LockReleased');
    },
  );

  it('reads a start the cache shows given up on fresh before it fails and removes it: a step that runs since is left running', async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:09:00Z')));
    const cleanup = vi.fn(async () => {});
    const reads: boolean[] = [];
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async (_wfe, _namespace, options) => {
          reads.push(options?.fresh === true);
          return options?.fresh ? { ...engineRunning, started: true } : startFailed(false);
        },
        cleanup,
      }),
      now: () => now,
    });
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 1_000 });
    expect(reads).toEqual([false, true]);
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('asks no engine about a Completed execution or a failure that ran while they cool down', async () => {
    for (const status of [
      { phase: 'Completed' },
      {
        phase: 'Failed',
        failureDetails: {
          reason: 'TaskFailed',
          message: 'm',
          failedAt: '2026-01-01T00:09:00Z',
          wasExecutionFailure: true,
        },
      },
    ]) {
      const api = executionServer(
        execution({
          ...status,
          executionRef: { name: 'wfe-0123456789abcdef' },
          completionTime: '2026-01-01T00:09:00Z',
        }),
      );
      const getStatus = vi.fn(async () => null);
      const reconciler = reconcilerOver(api, {
        registry: jobRegistry({ getStatus }),
        cooldownMs: 5 * 60_000,
        now: () => now,
      });
      expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 4 * 60_000 });
      expect(getStatus).not.toHaveBeenCalled();
    }
  });

  it('fails the reconcile, not the process, when the finalizer write fails after an orphan release did', async () => {
    const api = executionServer(execution({}, { finalizers: [] }));
    api.client.patch = (async () => {
      throw new KubernetesApiError('InternalError', 'etcd leader changed', 500);
    }) as KubeClient['patch'];
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const reconciler = reconcilerOver(api, {
        registry: jobRegistry(),
        watchedEngines: new Set(['job']),
        orphans: {
          release: async () => {
            throw new KubernetesApiError('InternalError', 'orphan delete failed', 500);
          },
          createdFor: () => undefined,
          holds: () => false,
        },
        now: () => now,
      });
      await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('orphan delete failed');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('refuses to start on a target another engine is running on, naming the holder', async () => {
    const api = executionServer(execution({}));
    const create = vi.fn(async () => ({ resourceName: 'wfe-0123456789abcdef', warnings: [] }));
    const pipeline = {
      ...execution({ phase: 'Running', executionRef: { name: 'wfe-0123456789abcdef' } }),
      metadata: { name: 'pipeline', namespace: 'team-b', uid: 'u-9' },
      spec: specOn('tekton'),
    };
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      targets: following([pipeline]),
      policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
      now: () => now,
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(create).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'Deduplicated',
        message: expect.stringContaining('team-b/pipeline'),
      },
    });
  });

  /** An execution Completed past its cooldown, its Job recorded: cleanup's next step. */
  const finishedWithJob = () =>
    executionServer(
      execution({
        phase: 'Completed',
        completionTime: '2026-01-01T00:00:00Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
      }),
    );
  const markDeleted = (api: ReturnType<typeof executionServer>) => {
    api.state.stored = {
      ...api.state.stored,
      metadata: { ...api.state.stored.metadata, deletionTimestamp: '2026-01-01T00:09:00Z' },
    };
  };

  it("DD-EVENT-001: records one CleanupFailed Warning per stage, in kubernaut's words, while a failing cleanup holds the lock or the deletion", async () => {
    const api = finishedWithJob();
    const { recorder, recorded } = keyedRecorder();
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        cleanup: async () => {
          throw new KubernetesApiError('Forbidden', 'jobs is forbidden', 403);
        },
      }),
      cooldownMs: 1_000,
      events: recorder,
      now: () => now,
    });
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('forbidden');
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('forbidden');
    // The lock is never claimed released while the Job may still hold it.
    expect(JSON.stringify(api.state.stored.status)).not.toContain('LockReleased');
    markDeleted(api);
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('forbidden');
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('forbidden');
    expect(recorded).toEqual([
      'Warning CleanupFailed: Cleanup failed after cooldown: jobs is forbidden',
      'Warning CleanupFailed: Cleanup failed during finalization: jobs is forbidden',
    ]);
  });

  it('an engine whose cleanup waits (CleanupPendingError) holds the lock and the deletion without a Warning, and is asked again when it says, not after a growing backoff', async () => {
    const api = finishedWithJob();
    const { events, recorder, recorded } = keyedRecorder();
    let waiting = true;
    const cleanups: string[] = [];
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        cleanup: async (wfe) => {
          cleanups.push(wfe.metadata.name);
          if (waiting) throw new CleanupPendingError('the run is finishing its finally tasks', 7);
        },
      }),
      cooldownMs: 1_000,
      events: recorder,
      now: () => now,
    });
    for (let pass = 0; pass < 3; pass += 1) {
      await expect(reconciler.reconcile('team-a/w', ctx())).resolves.toEqual({
        requeueAfter: 7_000,
      });
    }
    // One Event, and one request for it: the wait is looked at again and again.
    expect(events.record).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(api.state.stored.status)).not.toContain('LockReleased');
    markDeleted(api);
    await expect(reconciler.reconcile('team-a/w', ctx())).resolves.toEqual({ requeueAfter: 7_000 });
    expect(api.state.stored.metadata?.finalizers).toContain(cleanupFinalizer);
    expect(recorded).toEqual([
      'Normal CleanupPending: Cleanup waiting after cooldown: the run is finishing its finally tasks',
      'Normal CleanupPending: Cleanup waiting during finalization: the run is finishing its finally tasks',
    ]);
    waiting = false;
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.metadata?.finalizers ?? []).not.toContain(cleanupFinalizer);
    expect(cleanups).toHaveLength(5);
  });

  it("records a waiting cleanup's Event on a later look when the recorder gave up on it", async () => {
    const api = finishedWithJob();
    const { events, recorder, recorded } = keyedRecorder();
    // The API server refused the first Event for good (a 5xx past its retries): 'failed'.
    events.record.mockResolvedValueOnce('failed');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        cleanup: async () => {
          throw new CleanupPendingError('the run is finishing its finally tasks', 7);
        },
      }),
      cooldownMs: 1_000,
      events: recorder,
      now: () => now,
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(recorded).toEqual([]);
    await reconciler.reconcile('team-a/w', ctx());
    await reconciler.reconcile('team-a/w', ctx());
    expect(recorded).toEqual([
      'Normal CleanupPending: Cleanup waiting after cooldown: the run is finishing its finally tasks',
    ]);
    expect(events.record).toHaveBeenCalledTimes(2);
  });

  it('BR-WE-004: a workflow whose image never pulled failed before it ran: no execution failure, though its Job existed, and the Job is removed at once so it cannot run later', async () => {
    const cleanups: string[] = [];
    const api = executionServer(execution(runningSince('2026-01-01T00:09:00Z')));
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => startFailed(false),
        cleanup: async (wfe) => {
          cleanups.push(wfe.metadata.name);
        },
      }),
      now: () => now,
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ImagePullBackOff', wasExecutionFailure: false },
    });
    expect(cleanups).toEqual(['w']);
  });

  it.each([
    [false, 'Unknown', false],
    [false, 'TaskFailed', true],
    [true, 'Unknown', true],
    [true, 'ResourceExhausted', false],
    [undefined, 'Unknown', true],
  ] as const)(
    'DD-WE-004: a failure whose resource started=%s, classified %s, is an execution failure: %s (its resource is removed at once unless it is and it started)',
    async (started, failureReason, expected) => {
      let cleanups = 0;
      const api = executionServer(execution(runningSince('2026-01-01T00:09:00Z')));
      const reconciler = reconcilerOver(api, {
        registry: jobRegistry({
          getStatus: async () => ({
            phase: 'Failed' as const,
            reason: 'Failed',
            message: 'the run failed',
            summary: { status: 'False' as const },
            failureReason,
            ...(started === undefined ? {} : { started }),
          }),
          cleanup: async () => {
            cleanups += 1;
          },
        }),
        now: () => now,
      });
      await reconciler.reconcile('team-a/w', ctx());
      expect(api.state.stored.status).toMatchObject({
        phase: 'Failed',
        failureDetails: { reason: failureReason, wasExecutionFailure: expected },
      });
      // Removed at once when nothing of the workflow ran, or nothing started at all.
      expect(cleanups).toBe(!expected || started === false ? 1 : 0);
    },
  );

  it("v3.2: an end seen late is recorded when the engine's resource finished, and the cooldown counts from then", async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:01:00Z')));
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => ({
          phase: 'Completed' as const,
          reason: 'Complete',
          message: 'done',
          summary: { status: 'True' as const },
          completionTime: '2026-01-01T00:06:00Z',
        }),
      }),
      cooldownMs: 5 * 60_000,
      now: () => now,
    });
    // Seen at 00:10, finished at 00:06: 1 minute of the 5-minute cooldown is left.
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 60_000 });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Completed',
      completionTime: '2026-01-01T00:06:00Z',
      duration: '5m0s',
    });
  });

  it("kubernaut #374: waits in Pending for a finished execution's resource still holding the target, then starts once it is gone", async () => {
    const api = executionServer(execution({}));
    let stale = true;
    const create = vi.fn(async () => {
      if (stale) {
        throw new PreviousExecutionNotCleanedError('wfe-0123456789abcdef', {
          namespace: 'team-a',
          name: 'previous',
        });
      }
      return { resourceName: 'wfe-0123456789abcdef', warnings: [] };
    });
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      now: () => now,
    });
    // kubernaut deletes the finished Job itself and retries every 500 ms; here the execution
    // waits, retried with backoff, for the previous execution's cleanup to release the target.
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        expect.objectContaining({
          type: 'Waiting',
          status: 'True',
          reason: 'TargetLocked',
          message: expect.stringContaining('team-a/previous'),
        }),
      ],
    });
    expect(JSON.stringify(api.state.stored.status)).not.toContain('failureDetails');
    stale = false;
    await reconciler.reconcile('team-a/w', ctx());
    expect(create).toHaveBeenCalledTimes(2);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: 'wfe-0123456789abcdef' },
    });
  });

  it('keeps the outcome of a workflow that finished before its deadline though the cache still shows it running', async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:00:00Z')));
    const cleanup = vi.fn(async () => {});
    const reads: (boolean | undefined)[] = [];
    const finished: ExecutionResult = {
      phase: 'Completed',
      reason: 'Completed',
      message: 'done',
      summary: { status: 'True' },
    };
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        // The Job watch went quiet: the cache holds the Job as it was before it completed.
        getStatus: async (_wfe, _ns, options) => {
          reads.push(options?.fresh);
          return options?.fresh ? finished : engineRunning;
        },
        cleanup,
      }),
      defaultTimeoutMs: 60_000,
      deadlineGraceMs: 0,
      now: () => new Date('2026-01-01T00:01:00Z'),
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(reads).toEqual([undefined, true]);
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Completed' });
  });

  it('tells the engine once the result is written, so it can let go of what kept it readable, and finishes when the engine cannot', async () => {
    const outcomes: ExecutionResult[] = [
      { phase: 'Completed', reason: 'Completed', message: 'done', summary: { status: 'True' } },
      {
        phase: 'Failed',
        reason: 'TaskFailed',
        message: 'step 2 exited 1',
        started: true,
        summary: { status: 'False' },
      },
    ];
    for (const outcome of outcomes) {
      for (const refusal of [undefined, new KubernetesApiError('Forbidden', 'no patch', 403)]) {
        const api = executionServer(execution(runningSince('2026-01-01T00:00:00Z')));
        const phaseWhenTold: unknown[] = [];
        const resultRecorded = vi.fn(async () => {
          phaseWhenTold.push((api.state.stored.status as { phase?: string }).phase);
          if (refusal) throw refusal;
        });
        const reconciler = reconcilerOver(api, {
          registry: jobRegistry({ getStatus: async () => outcome, resultRecorded }),
          now: () => new Date('2026-01-01T00:01:00Z'),
        });
        await reconciler.reconcile('team-a/w', ctx());
        expect(api.state.stored.status).toMatchObject({ phase: outcome.phase });
        expect(resultRecorded).toHaveBeenCalledTimes(1);
        expect(resultRecorded).toHaveBeenCalledWith(
          expect.objectContaining({ metadata: expect.objectContaining({ name: 'w' }) }),
          'executions',
          { signal: expect.any(AbortSignal) },
        );
        expect(phaseWhenTold).toEqual([outcome.phase]);
      }
    }
  });

  it('tells the engine again during the cooldown, for a controller that crashed between the result write and telling it', async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:00:00Z')));
    const crashBeforeTelling = new Error('SIGKILL');
    const told: string[] = [];
    const resultRecorded = vi.fn(async () => {
      told.push((api.state.stored.status as { phase?: string }).phase ?? '');
      if (told.length === 1) throw crashBeforeTelling;
    });
    const getStatus = vi.fn(
      async (): Promise<ExecutionResult> => ({
        phase: 'Completed',
        reason: 'Completed',
        message: 'done',
        summary: { status: 'True' },
      }),
    );
    const options = {
      registry: jobRegistry({ getStatus, resultRecorded }),
      now: () => new Date('2026-01-01T00:01:00Z'),
    };
    await reconcilerOver(api, options).reconcile('team-a/w', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Completed' });
    // The next controller finds the execution in its cooldown: the result is not read again,
    // but the engine is told.
    const reads = getStatus.mock.calls.length;
    await reconcilerOver(api, options).reconcile('team-a/w', ctx());
    expect(told).toEqual(['Completed', 'Completed']);
    expect(getStatus).toHaveBeenCalledTimes(reads);
  });

  it('stops an execution whose status cannot be read once it is past its deadline, failing it DeadlineExceeded', async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:00:00Z')));
    const cleanup = vi.fn(async () => {});
    let clock = new Date('2026-01-01T00:00:30Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        // The engine's API refuses every status read (a revoked token, say), for good.
        getStatus: async () => {
          throw new KubernetesApiError('Forbidden', 'jobs.batch is forbidden', 403);
        },
        cleanup,
      }),
      defaultTimeoutMs: 60_000,
      deadlineGraceMs: 0,
      now: () => clock,
    });
    // Before the deadline the read is retried with backoff, and the execution stays Running.
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('forbidden');
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(cleanup).not.toHaveBeenCalled();
    clock = new Date('2026-01-01T00:01:00Z');
    await reconciler.reconcile('team-a/w', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message: expect.stringContaining('default timeout of 60s'),
        wasExecutionFailure: true,
      },
    });
  });

  it('fails an overdue execution DeadlineExceeded while its engine waits to remove the resource (CleanupPendingError), keeping the lock', async () => {
    const api = executionServer(execution(runningSince('2026-01-01T00:00:00Z')));
    const cleanup = vi.fn(async () => {
      throw new CleanupPendingError('the run is finishing its finally tasks', 30);
    });
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ getStatus: async () => engineRunning, cleanup }),
      defaultTimeoutMs: 60_000,
      deadlineGraceMs: 0,
      now: () => new Date('2026-01-01T00:01:00Z'),
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'DeadlineExceeded', wasExecutionFailure: true },
    });
    expect(JSON.stringify(api.state.stored.status)).not.toContain('LockReleased');
  });

  it("kubernaut ctrl: a create the engine refuses for good fails in kubernaut's words, one retried waits with the error as it is", async () => {
    const api = executionServer(execution({}));
    let refusal = new KubernetesApiError('Unavailable', 'try again later', 503);
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: async () => {
          throw refusal;
        },
      }),
      now: () => now,
    });
    await expect(reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('try again later');
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        { type: 'Waiting', reason: 'CreateFailed', message: 'try again later' },
        { type: 'StartFailing', status: 'True', reason: 'CreateFailed' },
      ],
    });
    refusal = new KubernetesApiError('Forbidden', 'jobs.batch is forbidden', 403);
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'Forbidden',
        message: 'Failed to create job execution resource: jobs.batch is forbidden',
        wasExecutionFailure: false,
      },
    });
    expect(
      (api.state.stored.status as WorkflowExecution['status'])?.conditions?.find(
        (c) => c.type === 'ExecutionCreated',
      )?.message,
    ).toBe(
      'Failed to create PipelineRun: Failed to create job execution resource: jobs.batch is forbidden',
    );
  });
});
