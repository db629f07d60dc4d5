import {
  markFailed,
  markLaunched,
  markProgress,
  markQueued,
  markRelaunched,
  phaseOf,
} from '@roundhouse/controller';
import { ConfigurationError, type Executor, noopLogger, Registry } from '@roundhouse/core';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { TaskActionReconciler } from './reconciler.js';
import { abortFinalizer } from './resource.js';
import { maxAttempts } from './spec.js';

const now = new Date('2026-03-01T10:00:00Z');
const spec = {
  runName: 'run1',
  project: 'p',
  domain: 'd',
  actionName: 'a1',
  taskType: 'container',
  taskTemplate: { image: 'registry.invalid/task:1' },
  inputUri: 's3://b/run1/in.pb',
  runOutputBase: 's3://b/run1',
};
const queued: KubeObject = {
  metadata: {
    name: 'run1-a1',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    finalizers: [abortFinalizer],
  },
  spec,
  status: markQueued({}, { now }),
};

/** `queued` with its attempt launched and reported running. */
function executing(): KubeObject {
  const launched = markLaunched(queued.status as never, 'job created', { now }) ?? {};
  return { ...queued, status: markProgress(launched, 'Executing', 'running', { now }) };
}

/** What the API server makes of a JSON merge patch (RFC 7386): objects merge, the rest replaces. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const merged: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = applyMergePatch(merged[key], value);
  }
  return merged;
}

function reconcilerFor(
  object: KubeObject,
  options: { executor?: Partial<Executor>; resyncMs?: number } = {},
) {
  const written = (_t: unknown, _ns: unknown, _n: unknown, body: unknown): KubeObject => ({
    ...structuredClone(object),
    metadata: { ...object.metadata, resourceVersion: '8' },
    status: applyMergePatch(object.status, (body as { status?: object }).status),
  });
  const client = { get: vi.fn(async () => structuredClone(object)), patch: vi.fn(written) };
  const executor = {
    engine: 'job',
    create: vi.fn(async () => ({ resourceName: 'run1-a1-0', warnings: [] })),
    getStatus: vi.fn(async () => ({
      phase: 'Failed',
      reason: 'InvalidCommand',
      message: 'the command does not exist',
      summary: { status: 'False' },
      failureReason: 'ConfigurationError',
    })),
    cleanup: vi.fn(async () => {}),
    ...options.executor,
  } as unknown as Executor;
  const events = { record: vi.fn(async () => {}) };
  const sink = { record: vi.fn(async () => {}) };
  const reconciler = new TaskActionReconciler({
    client: client as never,
    reader: { get: async () => object } as never,
    actions: { byIndex: () => [], get: () => object, observe: vi.fn() },
    registry: new Registry().register(executor),
    executionNamespace: 'exec',
    allowedImages: ['registry.invalid/*'],
    sink,
    events: events as never,
    now: () => now,
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
  });
  return { reconciler, client, executor, events, sink };
}

const ctx = (attempt: number) => ({
  signal: new AbortController().signal,
  logger: noopLogger,
  attempt,
});

describe('TaskActionReconciler', () => {
  it("counts a status read that keeps failing against the system budget, relaunching nothing, then fails for good (Flyte's failed Handle)", async () => {
    let current: KubeObject = executing();
    const seen: unknown[] = [];
    for (let read = 1; read <= 4; read += 1) {
      const { reconciler, client, executor } = reconcilerFor(current, {
        executor: {
          getStatus: vi.fn(async () => {
            throw new KubernetesApiError('Forbidden', 'pods is forbidden', 403);
          }),
        },
      });
      const result = await reconciler.reconcile('ns/run1-a1', ctx(0));
      current = client.patch.mock.results.at(-1)?.value as KubeObject;
      const status = current.status as { systemFailures?: number; attempts?: number };
      seen.push([phaseOf(current.status as never), status.systemFailures, status.attempts, result]);
      expect(executor.create).not.toHaveBeenCalled();
      expect(executor.cleanup).not.toHaveBeenCalled();
    }
    expect(seen).toEqual([
      ['Executing', 1, 1, { requeueAfter: 10_000 }],
      ['Executing', 2, 1, { requeueAfter: 10_000 }],
      ['Executing', 3, 1, { requeueAfter: 10_000 }],
      ['PermanentFailure', 4, 1, undefined],
    ]);
    expect((current.status as { errorState?: unknown }).errorState).toMatchObject({
      code: 'MaxSystemFailuresExceeded',
      kind: 'SYSTEM',
    });
  });

  it('deletes the attempt it could no longer read once those failed looks end the action, so no Job runs on for a failed action', async () => {
    let current: KubeObject = executing();
    for (let read = 1; read <= 4; read += 1) {
      const { reconciler, client } = reconcilerFor(current, {
        executor: {
          getStatus: vi.fn(async () => {
            throw new KubernetesApiError('Forbidden', 'pods is forbidden', 403);
          }),
        },
      });
      await reconciler.reconcile('ns/run1-a1', ctx(0));
      current = client.patch.mock.results.at(-1)?.value as KubeObject;
    }
    expect(phaseOf(current.status as never)).toBe('PermanentFailure');

    const { reconciler, executor } = reconcilerFor(current);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(executor.cleanup).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'run1-a1-0' }) }),
      'exec',
      expect.anything(),
    );
  });

  it('finishes an action created with the labels of an exported finished one: its attempt deleted, the time it ended written', async () => {
    let current: KubeObject = executing();
    for (let read = 1; read <= 4; read += 1) {
      const { reconciler, client } = reconcilerFor(current, {
        executor: {
          getStatus: vi.fn(async () => {
            throw new KubernetesApiError('Forbidden', 'pods is forbidden', 403);
          }),
        },
      });
      await reconciler.reconcile('ns/run1-a1', ctx(0));
      current = client.patch.mock.results.at(-1)?.value as KubeObject;
    }
    const exported = {
      ...current,
      metadata: {
        ...current.metadata,
        labels: {
          'roundhouse.dev/termination-status': 'terminated',
          'roundhouse.dev/completed-time': '2020-01-01.00-00',
        },
      },
    };

    const { reconciler, executor, client } = reconcilerFor(exported);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(executor.cleanup).toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledWith(
      expect.anything(),
      'ns',
      'run1-a1',
      {
        metadata: {
          labels: expect.objectContaining({ 'roundhouse.dev/completed-time': '2026-03-01.10-00' }),
        },
      },
      expect.anything(),
    );
  });

  it('launches from the cache, which holds its own last write, without reading the action', async () => {
    const { reconciler, client, executor } = reconcilerFor(queued);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(executor.create).toHaveBeenCalledTimes(1);
    expect(client.get).not.toHaveBeenCalled();
  });

  it('reads the action before launching once a reconcile of it failed (its write may have landed)', async () => {
    const { reconciler, client, executor } = reconcilerFor(queued);
    await reconciler.reconcile('ns/run1-a1', ctx(1));
    expect(client.get).toHaveBeenCalled();
    expect(executor.create).toHaveBeenCalledTimes(1);
  });

  it("reports a refused spec with a keyed Event of Flyte's reason, so a retry that reports it again makes no second", async () => {
    const refused = (change: Record<string, unknown>): KubeObject => ({
      metadata: { ...queued.metadata, finalizers: [] },
      spec: { ...spec, ...change },
      status: {},
    });
    const invalid = reconcilerFor(refused({ inputUri: undefined }));
    await invalid.reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(invalid.events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'FailedValidation',
      expect.stringContaining('inputUri'),
      { key: 'InvalidSpec' },
    );
    const unknownType = reconcilerFor(refused({ taskType: 'spark' }));
    await unknownType.reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(unknownType.events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'FailedPluginResolve',
      expect.stringContaining('spark'),
      { key: 'PluginNotFound' },
    );
  });

  it('reports a permanent failure with a keyed Event, so a retry that reports it again makes no second', async () => {
    const { reconciler, events } = reconcilerFor(executing());
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'PermanentFailure',
      expect.stringContaining('ConfigurationError'),
      { key: 'PermanentFailure' },
    );
  });

  it('looks at a running action again every requeue period, writing and recording nothing when nothing changed', async () => {
    const { reconciler, client, sink, executor } = reconcilerFor(executing(), {
      resyncMs: 2_500,
      executor: {
        getStatus: vi.fn(async () => ({
          phase: 'Running' as const,
          reason: 'PodsRunning',
          message: 'pods running',
          summary: { status: 'Unknown' as const, reason: 'PodsRunning' },
        })),
      },
    });
    expect(await reconciler.reconcile('ns/run1-a1', ctx(0))).toEqual({ requeueAfter: 2_500 });
    expect(executor.getStatus).toHaveBeenCalledTimes(1);
    expect(client.patch).not.toHaveBeenCalled();
    expect(sink.record).not.toHaveBeenCalled();
  });

  it('fails at once, as USER, a spec the engine refuses, leaving both retry budgets as they were', async () => {
    // Attempt 2, relaunched after a system failure: both counters are in use.
    const policy = { maxAttempts: 3 };
    const failedOnce = markFailed(
      queued.status as never,
      { kind: 'USER', code: 'TaskFailed', message: 'exit 1', retryable: true },
      policy,
      { now },
    );
    const second = markRelaunched(failedOnce ?? {}, { now }) ?? {};
    const systemFailed = markFailed(
      second,
      { kind: 'SYSTEM', code: 'RuntimeFailure', message: 'forbidden', retryable: true },
      policy,
      { now },
    );
    const requeued = {
      ...queued,
      spec: { ...spec, taskTemplate: { ...spec.taskTemplate, retries: 2 } },
      status: markRelaunched(systemFailed ?? {}, { now }),
    };
    expect(requeued.status).toMatchObject({ attempts: 2, systemFailures: 1 });
    const refusal = new ConfigurationError({ path: 'spec.taskTemplate', message: 'no such shell' });
    const { reconciler, client, sink } = reconcilerFor(requeued, {
      executor: { create: vi.fn(async () => Promise.reject(refusal)) },
    });
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(client.patch).toHaveBeenCalledTimes(1);
    const written = client.patch.mock.results[0]?.value as KubeObject;
    expect(phaseOf(written.status as never)).toBe('PermanentFailure');
    expect(written.status).toMatchObject({
      attempts: 2,
      systemFailures: 1,
      errorState: { code: 'ConfigurationError', kind: 'USER' },
    });
    expect(sink.record).toHaveBeenCalledWith(
      expect.objectContaining({ phase: 'PermanentFailure', attempt: 2, systemFailures: 1 }),
      expect.anything(),
    );
  });

  it("fails an attempt the engine refuses naming the TaskAction's field, not the attempt's", async () => {
    // The job engine reads the template's env as the attempt's parameters.
    const refusal = new ConfigurationError({
      path: 'spec.parameters',
      message: 'make a Job of 2097512 bytes, more than the 1572864 the API server can store',
    });
    const { reconciler, client } = reconcilerFor(queued, {
      executor: { create: vi.fn(async () => Promise.reject(refusal)) },
    });
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    const written = client.patch.mock.results.at(-1)?.value as KubeObject;
    expect(phaseOf(written.status as never)).toBe('PermanentFailure');
    expect(written.status).toMatchObject({
      errorState: {
        code: 'ConfigurationError',
        kind: 'USER',
        message:
          'spec.taskTemplate: make a Job of 2097512 bytes, more than the 1572864 the API server can store',
      },
    });
  });

  it('relaunches no attempt past retries + 1 after a forged USER failure, so no count past the CRD maximum is written', async () => {
    const launched = markLaunched(queued.status as never, 'job created', { now }) ?? {};
    const failure = { kind: 'USER', code: 'Error', message: 'exit 1', retryable: true } as const;
    const failed = markFailed(launched, failure, { maxAttempts: maxAttempts + 1 }, { now }) ?? {};
    // What a signaller may write: the last attempt any action has, failed and to be retried.
    const forged = { ...queued, status: { ...failed, attempts: maxAttempts } };
    const { reconciler, client, executor } = reconcilerFor(forged);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    const written = client.patch.mock.results.at(-1)?.value as KubeObject;
    expect(written.status).toMatchObject({ attempts: maxAttempts });
    expect(phaseOf(written.status as never)).toBe('InvalidSpec');
    expect(written.status).toMatchObject({
      errorState: {
        code: 'InvalidSpec',
        message: expect.stringMatching(
          /^status\.attempts: attempt 12 is past the 1 this action has/,
        ),
      },
    });
    expect(executor.cleanup).not.toHaveBeenCalled();
  });

  it('fails with StatusTooLarge a running action whose status would not fit, and deletes its running attempt', async () => {
    const launched = {
      ...queued,
      status: markLaunched(queued.status as never, 'job created', { now }),
    };
    // The engine's message, as the attempt starts running, makes the status too large to store.
    const { reconciler, client, executor } = reconcilerFor(launched, {
      executor: {
        getStatus: vi.fn(async () => ({
          phase: 'Running',
          reason: 'Running',
          message: 'E'.repeat(1_600_000),
          summary: { status: 'Unknown', reason: 'Running' },
        })) as never,
      },
    });
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    const written = client.patch.mock.results.at(-1)?.value as KubeObject;
    expect(phaseOf(written.status as never)).toBe('PermanentFailure');
    expect(written.status).toMatchObject({ errorState: { code: 'StatusTooLarge' } });
    expect(executor.cleanup).not.toHaveBeenCalled();

    const { reconciler: next, executor: engine } = reconcilerFor(written);
    await next.reconcile('ns/run1-a1', ctx(0));
    expect(engine.cleanup).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'run1-a1-0' }) }),
      'exec',
      expect.anything(),
    );
  });

  it('launches no attempt past retries + 1, whatever attempt count a signaller wrote', async () => {
    const forged = { ...queued, status: { ...(queued.status as object), attempts: 5_000 } };
    const { reconciler, client, executor } = reconcilerFor(forged);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(executor.create).not.toHaveBeenCalled();
    const written = client.patch.mock.results.at(-1)?.value as KubeObject;
    expect(phaseOf(written.status as never)).toBe('InvalidSpec');
    expect(written.status).toMatchObject({
      errorState: {
        code: 'InvalidSpec',
        message: expect.stringMatching(
          /^status\.attempts: attempt 5000 is past the 1 this action has/,
        ),
      },
    });
  });
});
