import { Registry, type WorkflowExecution } from '@roundhouse/core';
import type { KubeClient, KubeObject, Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer } from './execution-server.test-support.js';
import type { WorkflowExecutionReconcilerOptions } from './reconciler.js';
import { reconcileContext as ctx, reconcilerOver } from './reconciler.test-support.js';

/** One incarnation of execution team-a/a: its uid and the workflow its spec runs. */
function incarnation(uid: string, workflowId: string, resourceVersion: string): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: 'a', namespace: 'team-a', uid, resourceVersion, generation: 1 },
    spec: {
      workflowRef: { workflowId, version: '1', executionBundle: 'registry.invalid/w:1' },
      targetResource: 'team-a/deployment/app',
      executionEngine: 'job',
    },
  };
}

/** A job engine that records under which uid it created which workflow, and what it cleaned up. */
function jobEngine() {
  const created: { uid: string | undefined; workflowId: string }[] = [];
  const cleanedUp: (string | undefined)[] = [];
  const executor = {
    engine: 'job',
    create: vi.fn(async (wfe: WorkflowExecution) => {
      created.push({ uid: wfe.metadata.uid, workflowId: wfe.spec.workflowRef.workflowId });
      return { resourceName: 'wfe-0123456789abcdef', warnings: [] };
    }),
    getStatus: async () => null,
    cleanup: vi.fn(async (wfe: WorkflowExecution) => {
      cleanedUp.push(wfe.metadata.uid);
    }),
  };
  return { executor, created, cleanedUp };
}

function reconcilerFor(
  client: KubeClient,
  reader: () => KubeObject | null,
  executor: ReturnType<typeof jobEngine>['executor'],
  options: { watched: boolean } & Partial<WorkflowExecutionReconcilerOptions>,
) {
  const { watched, ...rest } = options;
  return reconcilerOver(
    { client, reader: { get: async () => reader() } as unknown as Reader },
    {
      registry: new Registry().register(executor),
      policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
      // A watched engine creates beside the finalizer write, an unwatched one after it.
      watchedEngines: new Set(watched ? ['job'] : []),
      orphans: { release: async () => {}, createdFor: () => undefined, holds: () => false },
      ...rest,
    },
  );
}

describe('WorkflowExecutionReconciler and an execution re-created under its name', () => {
  it.each([
    ['a watched engine, which creates beside the finalizer write', true],
    ['an unwatched engine, which creates once the finalizer is in place', false],
  ])(
    'with %s: the cache still holding the predecessor starts nothing for the successor, which then runs its own spec once',
    async (_engine, watched) => {
      // The cache still holds uid-1, deleted before its finalizer landed; the API server holds
      // uid-2, created under the same name with another spec.
      const cached = incarnation('uid-1', 'old-workflow', '10');
      const api = executionServer(incarnation('uid-2', 'new-workflow', '20'), {
        conditional: true,
      });
      const engine = jobEngine();
      let cache: KubeObject | null = cached;
      const reconciler = reconcilerFor(api.client, () => cache, engine.executor, { watched });

      // No error (no backoff, no error logged): the execution this pass read is gone.
      expect(await reconciler.reconcile('team-a/a', ctx())).toBeUndefined();
      // uid-2 was not touched: no finalizer, no status decided from uid-1's spec.
      expect(api.state.stored.metadata?.uid).toBe('uid-2');
      expect(api.state.stored.metadata?.finalizers).toBeUndefined();
      expect(api.state.stored.status).toBeUndefined();
      // What the watched engine created for uid-1 (of uid-1's spec) is removed at once.
      expect(engine.created).toEqual(watched ? [{ uid: 'uid-1', workflowId: 'old-workflow' }] : []);
      expect(engine.cleanedUp).toEqual(['uid-1']);

      // The cache catches up: uid-2 starts from its own spec, once, and points at its own Job.
      cache = api.state.stored;
      await reconciler.reconcile('team-a/a', ctx());
      expect(engine.created.filter((c) => c.uid === 'uid-2')).toEqual([
        { uid: 'uid-2', workflowId: 'new-workflow' },
      ]);
      expect(engine.created.filter((c) => c.workflowId === 'old-workflow')).toEqual(
        watched ? [{ uid: 'uid-1', workflowId: 'old-workflow' }] : [],
      );
      expect(api.state.stored.metadata?.finalizers).toEqual(['roundhouse.dev/execution-cleanup']);
      expect(api.state.stored.status).toMatchObject({
        phase: 'Running',
        executionRef: { name: 'wfe-0123456789abcdef' },
      });
    },
  );

  it('refuses metadata of another uid, whatever answered the finalizer write: nothing of the old spec is recorded on the new object', async () => {
    const api = executionServer(incarnation('uid-2', 'new-workflow', '20'), { conditional: true });
    // A write answered with another object (an API server cannot, a proxy or a fake might):
    // withMetadataOf must not graft uid-2's metadata onto uid-1's spec.
    api.patch.mockImplementationOnce(async () => api.state.stored);
    const engine = jobEngine();
    const reconciler = reconcilerFor(
      api.client,
      () => incarnation('uid-1', 'old-workflow', '10'),
      engine.executor,
      { watched: true },
    );
    expect(await reconciler.reconcile('team-a/a', ctx())).toBeUndefined();
    // Only the finalizer write was sent: no status, Running or otherwise, for uid-2.
    expect(api.patch).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toBeUndefined();
    expect(engine.created).toEqual([{ uid: 'uid-1', workflowId: 'old-workflow' }]);
    expect(engine.cleanedUp).toEqual(['uid-1']);
  });

  it("does not name the predecessor's workflow in the failure of a successor whose spec is invalid", async () => {
    const api = executionServer(incarnation('uid-1', 'old-workflow', '10'), { conditional: true });
    const engine = jobEngine();
    const reconciler = reconcilerFor(api.client, () => api.state.stored, engine.executor, {
      watched: true,
    });
    await reconciler.reconcile('team-a/a', ctx());
    expect(engine.created).toEqual([{ uid: 'uid-1', workflowId: 'old-workflow' }]);
    // uid-1 goes (its finalization is not the point here); uid-2 takes the name, invalid.
    const invalid = incarnation('uid-2', 'new-workflow', '30');
    api.state.stored = {
      ...invalid,
      spec: { ...(invalid.spec as object), targetResource: '../x' },
    };
    await reconciler.reconcile('team-a/a', ctx());
    const status = api.state.stored.status as WorkflowExecution['status'];
    expect(status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ConfigurationError' },
    });
    expect(JSON.stringify(status)).not.toContain('old-workflow');
    expect(engine.created).toHaveLength(1);
  });
});

describe('WorkflowExecutionReconciler hooks', () => {
  it('hands resolveDependencies and resolveDeclaredParameters the reconcile signal, and creates nothing once it aborted', async () => {
    const api = executionServer(
      {
        ...incarnation('uid-1', 'w', '10'),
        metadata: {
          ...incarnation('uid-1', 'w', '10').metadata,
          finalizers: ['roundhouse.dev/execution-cleanup'],
        },
      },
      { conditional: true },
    );
    const engine = jobEngine();
    const seen: AbortSignal[] = [];
    const reconciler = reconcilerFor(api.client, () => api.state.stored, engine.executor, {
      watched: true,
      resolveDependencies: async (_wfe, signal) => {
        seen.push(signal);
        return undefined;
      },
      resolveDeclaredParameters: async (_wfe, signal) => {
        seen.push(signal);
        return undefined;
      },
    });
    const running = new AbortController();
    await reconciler.reconcile('team-a/a', ctx(running.signal));
    expect(seen).toEqual([running.signal, running.signal]);
    expect(engine.created).toHaveLength(1);

    // A lost lease while a hook that ignores its signal still runs: once it answers, nothing
    // is created (the next leader may be starting this execution already).
    const { status: _running, ...pending } = api.state.stored;
    api.state.stored = pending;
    const lost = new AbortController();
    let answer: (dependencies: undefined) => void = () => {};
    const asked = vi.fn(
      () =>
        new Promise<undefined>((resolve) => {
          answer = resolve;
        }),
    );
    const ignoring = reconcilerFor(api.client, () => api.state.stored, engine.executor, {
      watched: true,
      resolveDependencies: asked,
    });
    const reconciling = ignoring.reconcile('team-a/a', ctx(lost.signal));
    await vi.waitFor(() => expect(asked).toHaveBeenCalled());
    lost.abort(new Error('lost the lease'));
    answer(undefined);
    await expect(reconciling).rejects.toThrow('lost the lease');
    expect(engine.created).toHaveLength(1);
  });
});
