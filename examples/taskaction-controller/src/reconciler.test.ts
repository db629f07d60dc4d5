import {
  markFailed,
  markLaunched,
  markRelaunched,
  markSucceeded,
  phaseOf,
} from '@roundhouse/controller';
import { ConfigurationError, type Executor } from '@roundhouse/core';
import { type KubeObject, KubernetesApiError, kubernetesErrorFromResponse } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ParentActionNotFoundError } from './parent.js';
import {
  executing,
  type FakesOptions,
  lastWritten,
  now,
  queuedAction,
  reconcilerOnFakes,
} from './reconciler.test-support.js';
import { maxAttempts } from './spec.js';

const queued = queuedAction();

/** The reconciler on fakes whose engine, unless told otherwise, reports the attempt failed. */
const reconcilerFor = (object: KubeObject, options: FakesOptions = {}) =>
  reconcilerOnFakes(object, {
    ...options,
    executor: {
      getStatus: vi.fn(async () => ({
        phase: 'Failed',
        reason: 'InvalidCommand',
        message: 'the command does not exist',
        summary: { status: 'False' },
        failureReason: 'ConfigurationError',
      })),
      ...options.executor,
    } as Partial<Executor>,
  });

/** One reconcile of `current` whose read of its attempt's status the API server forbids. */
async function forbiddenRead(current: KubeObject) {
  const fakes = reconcilerFor(current, {
    executor: {
      getStatus: vi.fn(async () => {
        throw new KubernetesApiError('Forbidden', 'pods is forbidden', 403);
      }),
    },
  });
  const result = await fakes.reconcile();
  return { ...fakes, result, written: lastWritten(fakes.client) };
}

/** A running action after the four forbidden reads of its attempt that fail it for good. */
async function failedByForbiddenReads(): Promise<KubeObject> {
  let current = executing();
  for (let read = 1; read <= 4; read += 1) current = (await forbiddenRead(current)).written;
  return current;
}

/** Reconciles `failed`, an action that has ended, and expects its attempt's Job deleted. */
async function expectFirstAttemptDeleted(failed: KubeObject): Promise<void> {
  const { reconcile, executor } = reconcilerFor(failed);
  await reconcile();
  expect(executor.cleanup).toHaveBeenCalledWith(
    expect.objectContaining({ metadata: expect.objectContaining({ name: 'run1-a1-0' }) }),
    'exec',
    expect.anything(),
  );
}

describe('TaskActionReconciler', () => {
  it("counts a status read that keeps failing against the system budget, relaunching nothing, then fails for good (Flyte's failed Handle)", async () => {
    let current: KubeObject = executing();
    const seen: unknown[] = [];
    for (let read = 1; read <= 4; read += 1) {
      const { executor, result, written } = await forbiddenRead(current);
      current = written;
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
    const current = await failedByForbiddenReads();
    expect(phaseOf(current.status as never)).toBe('PermanentFailure');

    await expectFirstAttemptDeleted(current);
  });

  it('deletes the Job of a succeeded action before labelling it finished: its Job has no TTL to go by', async () => {
    const running = executing();
    const succeeded = {
      ...running,
      status: markSucceeded(running.status as never, 'done', { now }),
    };
    const { reconcile, executor, client } = reconcilerFor(succeeded);
    await reconcile();
    expect(executor.cleanup).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'run1-a1-0' }) }),
      'exec',
      expect.anything(),
    );
    const [cleanupOrder] = vi.mocked(executor.cleanup).mock.invocationCallOrder;
    const [labelOrder] = client.patch.mock.invocationCallOrder;
    expect(labelOrder).toBeDefined();
    expect(cleanupOrder).toBeLessThan(labelOrder as number);
  });

  it('launches a queued child whose parent is gone (deleted with its children orphaned), where a new child waits for its parent', async () => {
    const child = (status: object | undefined) => {
      const action = queuedAction();
      return { ...action, spec: { ...action.spec, parentActionName: 'a0' }, status };
    };
    const orphaned = reconcilerFor(child(queued.status));
    await orphaned.reconcile();
    expect(orphaned.executor.create).toHaveBeenCalledTimes(1);

    const fresh = reconcilerFor(child({}));
    await expect(fresh.reconcile()).rejects.toBeInstanceOf(ParentActionNotFoundError);
    expect(fresh.executor.create).not.toHaveBeenCalled();
  });

  it('finishes an action created with the labels of an exported finished one: its attempt deleted, the time it ended written', async () => {
    const current = await failedByForbiddenReads();
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

    const { reconcile, executor, client } = reconcilerFor(exported);
    await reconcile();
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
    const { reconcile, client, executor } = reconcilerFor(queued);
    await reconcile();
    expect(executor.create).toHaveBeenCalledTimes(1);
    expect(client.get).not.toHaveBeenCalled();
  });

  it('reads the action before launching once a reconcile of it failed (its write may have landed)', async () => {
    const { reconcile, client, executor } = reconcilerFor(queued);
    await reconcile(1);
    expect(client.get).toHaveBeenCalled();
    expect(executor.create).toHaveBeenCalledTimes(1);
  });

  it('launches nothing once a reconcile of it failed when the read shows the attempt launched (its write landed)', async () => {
    const launched = markLaunched(queued.status as never, 'job created', { now }) ?? {};
    const { reconcile, client, executor } = reconcilerFor(queued, {
      live: { ...queued, status: launched },
    });
    await reconcile(1);
    expect(client.get).toHaveBeenCalled();
    expect(executor.create).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
  });

  it("reports a refused spec with a keyed Event of Flyte's reason, so a retry that reports it again makes no second", async () => {
    const refused = (change: Record<string, unknown>): KubeObject => ({
      metadata: { ...queued.metadata, finalizers: [] },
      spec: { ...queued.spec, ...change },
      status: {},
    });
    const invalid = reconcilerFor(refused({ inputUri: undefined }));
    await invalid.reconcile();
    expect(invalid.events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'FailedValidation',
      expect.stringContaining('inputUri'),
      { key: 'InvalidSpec' },
    );
    const unknownType = reconcilerFor(refused({ taskType: 'spark' }));
    await unknownType.reconcile();
    expect(unknownType.events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'FailedPluginResolve',
      expect.stringContaining('spark'),
      { key: 'PluginNotFound' },
    );
  });

  it("fails as USER, creating no Job, a queued action with an argument past the kernel's limit, naming it", async () => {
    // Queued: what an action stored before the CRD bounded it in bytes reads as.
    const { reconcile, client, executor } = reconcilerFor(
      queuedAction({ args: ['é'.repeat(65_536)] }),
    );
    await reconcile();
    expect(executor.create).not.toHaveBeenCalled();
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('InvalidSpec');
    expect(written.status).toMatchObject({
      errorState: {
        code: 'InvalidSpec',
        kind: 'USER',
        message: expect.stringMatching(
          /^spec\.taskTemplate\.args\.0: is 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one argument: /,
        ),
      },
    });
  });

  it('reports a permanent failure with a keyed Event, so a retry that reports it again makes no second', async () => {
    const { reconcile, events } = reconcilerFor(executing());
    await reconcile();
    expect(events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'PermanentFailure',
      expect.stringContaining('ConfigurationError'),
      { key: 'PermanentFailure' },
    );
  });

  it('looks at a running action again every requeue period, writing and recording nothing when nothing changed', async () => {
    const { reconcile, client, sink, executor } = reconcilerFor(executing(), {
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
    expect(await reconcile()).toEqual({
      requeueAfter: 2_500,
    });
    expect(executor.getStatus).toHaveBeenCalledTimes(1);
    expect(client.patch).not.toHaveBeenCalled();
    expect(sink.record).not.toHaveBeenCalled();
  });

  it("counts an attempt the cluster refused room or admission against the system budget, not the user's retries (Flyte #8066)", async () => {
    // An engine's verdict on an attempt whose pods the cluster refused: past a full quota (the
    // job engine's ResourceExhausted) or at admission (the Tekton engine's Forbidden).
    for (const failureReason of ['ResourceExhausted', 'Forbidden'] as const) {
      const { reconcile, client, executor } = reconcilerFor(
        executing(queuedAction({ retries: 2 })),
        {
          executor: {
            getStatus: vi.fn(async () => ({
              phase: 'Failed' as const,
              reason: 'FailedCreate',
              message: 'pods "run1-a1-0-x7k2p" is forbidden: exceeded quota: compute',
              summary: { status: 'False' as const },
              failureReason,
            })),
          },
        },
      );
      await reconcile();
      const written = lastWritten(client);
      expect(phaseOf(written.status as never), failureReason).toBe('RetryableFailure');
      expect(written.status, failureReason).toMatchObject({
        attempts: 1,
        systemFailures: 1,
        conditions: [
          {
            reason: 'RetryableFailure',
            message: expect.stringMatching(
              /^system failure 1 in a row .*; attempt 1 is relaunched after 2026-03-01T10:00:10/,
            ),
          },
        ],
      });
      expect(executor.create).not.toHaveBeenCalled();
    }
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
      ...queuedAction({ retries: 2 }),
      status: markRelaunched(systemFailed ?? {}, { now }),
    };
    expect(requeued.status).toMatchObject({ attempts: 2, systemFailures: 1 });
    const refusal = new ConfigurationError({ path: 'spec.taskTemplate', message: 'no such shell' });
    const { reconcile, client, sink } = reconcilerFor(requeued, {
      executor: { create: vi.fn(async () => Promise.reject(refusal)) },
    });
    await reconcile();
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

  it('fails at once, as USER, an attempt whose Job a policy webhook denies (400), relaunching nothing', async () => {
    // A validating webhook's denial carries no reason: the API server answers 400 by default.
    const denied = kubernetesErrorFromResponse(
      400,
      {
        kind: 'Status',
        status: 'Failure',
        message: 'admission webhook "jobs.policy.example" denied the request: no hostPath',
        code: 400,
      },
      'create Job exec/run1-a1-0',
    );
    const { reconcile, client, executor } = reconcilerFor(queued, {
      executor: { create: vi.fn(async () => Promise.reject(denied)) },
    });
    expect(await reconcile()).toBeUndefined();
    expect(executor.create).toHaveBeenCalledTimes(1);
    expect(client.patch).toHaveBeenCalledTimes(1);
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('PermanentFailure');
    expect(written.status).toMatchObject({
      attempts: 1,
      systemFailures: 0,
      errorState: {
        code: 'BadRequest',
        kind: 'USER',
        message: expect.stringContaining('denied the request: no hostPath'),
      },
    });
  });

  it("fails an attempt the engine refuses naming the TaskAction's field, not the attempt's", async () => {
    // The job engine reads the template's env as the attempt's parameters.
    const refusal = new ConfigurationError({
      path: 'spec.parameters',
      message: 'make a Job of 2097512 bytes, more than the 1572864 the API server can store',
    });
    const { reconcile, client } = reconcilerFor(queued, {
      executor: { create: vi.fn(async () => Promise.reject(refusal)) },
    });
    await reconcile();
    const written = lastWritten(client);
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
    const { reconcile, client, executor } = reconcilerFor(forged);
    await reconcile();
    const written = lastWritten(client);
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
    const { reconcile, client, executor } = reconcilerFor(launched, {
      executor: {
        getStatus: vi.fn(async () => ({
          phase: 'Running',
          reason: 'Running',
          message: 'E'.repeat(1_600_000),
          summary: { status: 'Unknown', reason: 'Running' },
        })) as never,
      },
    });
    await reconcile();
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('PermanentFailure');
    expect(written.status).toMatchObject({ errorState: { code: 'StatusTooLarge' } });
    expect(executor.cleanup).not.toHaveBeenCalled();

    await expectFirstAttemptDeleted(written);
  });

  it('launches no attempt past retries + 1, whatever attempt count a signaller wrote', async () => {
    const forged = { ...queued, status: { ...(queued.status as object), attempts: 5_000 } };
    const { reconcile, client, executor } = reconcilerFor(forged);
    await reconcile();
    expect(executor.create).not.toHaveBeenCalled();
    const written = lastWritten(client);
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
