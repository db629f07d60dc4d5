import type { EventRecorder } from '@roundhouse/controller';
import {
  CleanupPendingError,
  ConventionsMismatchError,
  type ExecutionResult,
  ResourceLockedError,
} from '@roundhouse/core';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution } from './executions-by-target.test-support.js';
import {
  engineRunning,
  jobCompleted,
  jobRegistry,
  reconcileContext,
  reconcilerOver,
} from './reconciler.test-support.js';

/*
 * Where the reconciler lets its worker go (ReconcileContext.releaseWorker): only once what is
 * left is a decided write, so `workers` still bounds the reconciles that decide something (a
 * create above all).
 */

const now = new Date('2026-01-01T00:10:00Z');

/** The stored phase at each step the reconcile took, in order. */
function steps(api: ReturnType<typeof executionServer>) {
  const taken: string[] = [];
  const phase = () => (api.state.stored.status as { phase?: string } | undefined)?.phase;
  const step = (name: string) => taken.push(`${name} (${phase() ?? 'no phase'})`);
  const ctx = { ...reconcileContext(), releaseWorker: () => step('release') };
  return { taken, step, ctx };
}

/**
 * `steps`, with every write to the API server (a finalizer's, a status's) a step too, and the
 * stored state shown by `show`: where a release lies between the writes. With `answers`, each
 * write's answer comes a timer later, a step of its own, so a release that does not wait for
 * the answer shows before it.
 */
function stepsWithWrites(
  api: ReturnType<typeof executionServer>,
  show: (stored: KubeObject) => string,
  { answers = false } = {},
) {
  const taken: string[] = [];
  const step = (name: string) => taken.push(`${name} (${show(api.state.stored)})`);
  const send = api.patch.getMockImplementation();
  api.patch.mockImplementation(async (...args) => {
    step('write');
    if (!send) throw new Error('the execution server patches nothing');
    const written = await send(...args);
    if (answers) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      step('answer');
    }
    return written;
  });
  const ctx = { ...reconcileContext(), releaseWorker: () => step('release') };
  return { taken, step, ctx };
}

/** The reason of the stored execution's condition of `type`, or `no <type>`. */
const conditionOf = (type: string) => (stored: KubeObject) => {
  const status = stored.status as { conditions?: { type: string; reason: string }[] } | undefined;
  return status?.conditions?.find((c) => c.type === type)?.reason ?? `no ${type}`;
};

/** The stored execution's phase. */
const phaseOf = (stored: KubeObject) => (stored.status as { phase?: string } | undefined)?.phase;

/** A recorder whose every Event is a step: `event <reason>`. */
function steppedRecorder(step: (name: string) => void): EventRecorder {
  return {
    record: async (_o: unknown, _type: string, reason: string) => {
      step(`event ${reason}`);
      return 'created';
    },
  } as unknown as EventRecorder;
}

const cooldownMs = 60_000;
const afterCooldown = new Date(now.getTime() + cooldownMs);

/** What the job engine reports of a Job whose workflow ran and failed. */
const ranAndFailed: ExecutionResult = {
  phase: 'Failed',
  reason: 'BackoffLimitExceeded',
  message: 'Job has reached the specified backoff limit',
  summary: { status: 'False' },
  exitCode: 1,
  started: true,
};

/** What the job engine reports of a Job whose pod never started (its image never pulled). */
const neverRan: ExecutionResult = {
  phase: 'Failed',
  reason: 'ImagePullBackOff',
  message: 'the image could not be pulled',
  summary: { status: 'False' },
  started: false,
};

/** `stored` Running on the job engine's resource since a minute before `now`. */
function running(stored: KubeObject): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:09:00Z',
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
    },
  };
}

/** `stored` Completed at `now`, its lock not yet released. */
function completed(stored: KubeObject): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Completed',
      startTime: '2026-01-01T00:09:00Z',
      completionTime: now.toISOString(),
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
    },
  };
}

describe('WorkflowExecutionReconciler: releaseWorker', () => {
  it('lets a start go once its resource is created, before the Running write', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      create: async () => {
        step('create');
        return { resourceName: 'wfe-0123456789abcdef', warnings: [] };
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['create (no phase)', 'release (no phase)']);
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('lets a start whose create failed retryably go once the create answered, before the CreateFailed write and the retry', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('Waiting'));
    const registry = jobRegistry({
      create: async () => {
        step('create');
        throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
      },
    });
    await expect(
      reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx),
    ).rejects.toThrow('etcd is busy');
    expect(taken).toEqual(['create (no Waiting)', 'release (no Waiting)', 'write (no Waiting)']);
    expect(conditionOf('Waiting')(api.state.stored)).toBe('CreateFailed');
  });

  it('lets a start whose create was refused for good (Deduplicated) go once the create answered, before the Failed write', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    const registry = jobRegistry({
      create: async () => {
        step('create');
        throw new ResourceLockedError('wfe-0123456789abcdef', { namespace: 'team-a', name: 'x' });
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['create (no phase)', 'release (no phase)', 'write (no phase)']);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'Deduplicated' },
    });
  });

  it('lets a finish go once the engine reported Completed, before the Completed write', async () => {
    const api = executionServer(running(storedExecution('w')));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      getStatus: async () => {
        step('status');
        return jobCompleted('2026-01-01T00:09:30Z');
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['status (Running)', 'release (Running)']);
    expect(api.state.stored.status).toMatchObject({ phase: 'Completed' });
  });

  it('lets a finish go once the engine reported a failure of a workflow that ran, before the Failed write', async () => {
    const api = executionServer(running(storedExecution('w')));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      getStatus: async () => {
        step('status');
        return ranAndFailed;
      },
      cleanup: async () => {
        step('cleanup');
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['status (Running)', 'release (Running)']);
    expect(api.state.stored.status).toMatchObject({ phase: 'Failed' });
  });

  it('keeps the worker of a failure before the workflow ran: its resource is removed, engine work whose answer decides what follows', async () => {
    const api = executionServer(running(storedExecution('w')));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      getStatus: async () => {
        step('status');
        return neverRan;
      },
      cleanup: async () => {
        step('cleanup');
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    // The cached verdict, then the fresh one; the removal after the Failed write.
    expect(taken).toEqual(['status (Running)', 'status (Running)', 'cleanup (Failed)']);
  });

  it('lets an execution whose resource was deleted mid-run go once the engine said so, before the Failed write', async () => {
    const api = executionServer(running(storedExecution('w')));
    const { taken, step, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    const registry = jobRegistry({
      getStatus: async () => {
        step('status');
        return null;
      },
    });
    await reconcilerOver(api, { registry, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['status (Running)', 'release (Running)', 'write (Running)']);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ExecutionResourceDeleted' },
    });
  });

  it('lets a running execution whose engine is no longer registered go, before the Failed write', async () => {
    const api = executionServer(running(storedExecution('w', { executionEngine: 'tekton' })));
    const { taken, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    await reconcilerOver(api, { registry: jobRegistry(), now: () => now }).reconcile(
      'team-a/w',
      ctx,
    );
    expect(taken).toEqual(['release (Running)', 'write (Running)']);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'UnsupportedEngine' },
    });
  });

  it('lets an overdue execution go once its stop answered, before the Failed write', async () => {
    const api = executionServer(
      running(storedExecution('w', { executionConfig: { timeout: '30s' } })),
    );
    const { taken, step, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    const registry = jobRegistry({
      getStatus: async () => {
        step('status');
        return engineRunning;
      },
      cleanup: async () => {
        step('stop');
      },
    });
    await reconcilerOver(api, { registry, deadlineGraceMs: 0, now: () => now }).reconcile(
      'team-a/w',
      ctx,
    );
    // The cached status, the fresh one, the stop, then the Failed write.
    expect(taken).toEqual([
      'status (Running)',
      'status (Running)',
      'stop (Running)',
      'release (Running)',
      'write (Running)',
    ]);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'DeadlineExceeded' },
    });
  });

  it('lets a start given up on go once the removal of what it may have made answered, before the Failed write', async () => {
    const api = executionServer(storedExecution('w', { executionConfig: { timeout: '1m' } }));
    let clock = now;
    const registry = jobRegistry({
      create: async () => {
        throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
      },
    });
    const reconciler = reconcilerOver(api, { registry, now: () => clock });
    await expect(reconciler.reconcile('team-a/w', reconcileContext())).rejects.toThrow(
      'etcd is busy',
    );
    const { taken, step, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    registry.get('job').cleanup = async () => {
      step('cleanup');
    };
    clock = new Date(now.getTime() + 60_000);
    expect(await reconciler.reconcile('team-a/w', ctx)).toBeUndefined();
    expect(taken).toEqual(['cleanup (Pending)', 'release (Pending)', 'write (Pending)']);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'DeadlineExceeded' },
    });
  });

  it('lets an execution whose spec does not parse go, before the Failed write', async () => {
    const stored = storedExecution('w');
    const api = executionServer({ ...stored, spec: { targetResource: 'team-a/deployment/app' } });
    const { taken, ctx } = stepsWithWrites(api, (o) => phaseOf(o) ?? 'no phase');
    await reconcilerOver(api, { registry: jobRegistry(), now: () => now }).reconcile(
      'team-a/w',
      ctx,
    );
    expect(taken).toEqual(['release (no phase)', 'write (no phase)']);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ConfigurationError' },
    });
  });

  it('lets a release go once the cleanup removed the resource, before the LockReleased write', async () => {
    const api = executionServer(completed(storedExecution('w')));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('LockReleased'));
    const registry = jobRegistry({
      cleanup: async () => {
        step('cleanup');
      },
    });
    await reconcilerOver(api, { registry, cooldownMs, now: () => afterCooldown }).reconcile(
      'team-a/w',
      ctx,
    );
    expect(taken).toEqual([
      'cleanup (no LockReleased)',
      'release (no LockReleased)',
      'write (no LockReleased)',
    ]);
    expect(conditionOf('LockReleased')(api.state.stored)).not.toBe('no LockReleased');
  });

  it('lets a finished execution that records no completion time go, before the completionTime write', async () => {
    const stored = completed(storedExecution('w'));
    const { completionTime: _, ...status } = stored.status as Record<string, unknown>;
    const api = executionServer({ ...stored, status });
    const completion = (o: KubeObject) =>
      (o.status as { completionTime?: string } | undefined)?.completionTime ?? 'no completionTime';
    const { taken, ctx } = stepsWithWrites(api, completion);
    const result = await reconcilerOver(api, {
      registry: jobRegistry(),
      cooldownMs,
      now: () => now,
    }).reconcile('team-a/w', ctx);
    expect(result).toEqual({ requeueAfter: cooldownMs });
    expect(taken).toEqual(['release (no completionTime)', 'write (no completionTime)']);
    expect(completion(api.state.stored)).toBe('2026-01-01T00:10:00Z');
  });

  it('lets a release whose cleanup failed go before its CleanupFailed Event: the lock held, the cleanup retried', async () => {
    const api = executionServer(completed(storedExecution('w')));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('LockReleased'));
    const registry = jobRegistry({
      cleanup: async () => {
        step('cleanup');
        throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
      },
    });
    await expect(
      reconcilerOver(api, {
        registry,
        events: steppedRecorder(step),
        cooldownMs,
        now: () => afterCooldown,
      }).reconcile('team-a/w', ctx),
    ).rejects.toThrow('etcd is busy');
    expect(taken).toEqual([
      'cleanup (no LockReleased)',
      'release (no LockReleased)',
      'event CleanupFailed (no LockReleased)',
    ]);
  });

  it('lets a deletion whose cleanup failed go before its CleanupFailed Event: the finalizer kept, the cleanup retried', async () => {
    const stored = running(storedExecution('w'));
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, deletionTimestamp: now.toISOString() },
    });
    const finalizers = (o: KubeObject) => `${o.metadata?.finalizers?.length ?? 0} finalizer`;
    const { taken, step, ctx } = stepsWithWrites(api, finalizers);
    const registry = jobRegistry({
      cleanup: async () => {
        step('cleanup');
        throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
      },
    });
    await expect(
      reconcilerOver(api, { registry, events: steppedRecorder(step), now: () => now }).reconcile(
        'team-a/w',
        ctx,
      ),
    ).rejects.toThrow('etcd is busy');
    expect(taken).toEqual([
      'cleanup (1 finalizer)',
      'release (1 finalizer)',
      'event CleanupFailed (1 finalizer)',
    ]);
  });

  it('lets a pass during the cooldown go before the engine is told again that the result is recorded', async () => {
    const api = executionServer(completed(storedExecution('w')));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      resultRecorded: async () => {
        step('resultRecorded');
      },
    });
    const result = await reconcilerOver(api, { registry, cooldownMs, now: () => now }).reconcile(
      'team-a/w',
      ctx,
    );
    expect(result).toEqual({ requeueAfter: cooldownMs });
    expect(taken).toEqual(['release (Completed)', 'resultRecorded (Completed)']);
  });

  it('keeps the worker of a pass during the cooldown that may still remove the resource of a start that never ran', async () => {
    const stored = completed(storedExecution('w'));
    const api = executionServer({
      ...stored,
      status: {
        ...(stored.status as object),
        phase: 'Failed',
        failureDetails: {
          reason: 'ImagePullBackOff',
          message: 'the image could not be pulled',
          failedAt: now.toISOString(),
          wasExecutionFailure: false,
        },
      },
    });
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      resultRecorded: async () => {
        step('resultRecorded');
      },
      getStatus: async () => {
        step('status');
        return neverRan;
      },
      cleanup: async () => {
        step('cleanup');
      },
    });
    await reconcilerOver(api, { registry, cooldownMs, now: () => now }).reconcile('team-a/w', ctx);
    expect(taken).toEqual(['resultRecorded (Failed)', 'status (Failed)', 'cleanup (Failed)']);
  });

  it("lets a start held back by another execution's cooldown go once its finalizer is written, before the CooldownActive write", async () => {
    const stored = storedExecution('w');
    const api = executionServer({ ...stored, metadata: { ...stored.metadata, finalizers: [] } });
    const finalized = (o: KubeObject) =>
      `${o.metadata?.finalizers?.length ? 'finalized' : 'no finalizer'}, ${conditionOf('Waiting')(o)}`;
    const { taken, ctx } = stepsWithWrites(api, finalized, { answers: true });
    const targets = new ExecutionsByTarget();
    targets.upsert(
      execution('done', 'Completed', {
        completionTime: '2026-01-01T00:09:30Z',
        target: 'team-a/deployment/app',
      }),
    );
    const result = await reconcilerOver(api, {
      registry: jobRegistry(),
      targets,
      cooldownMs,
      now: () => now,
    }).reconcile('team-a/w', ctx);
    expect(result).toEqual({ requeueAfter: 30_000 });
    expect(taken).toEqual([
      'write (no finalizer, no Waiting)',
      'answer (finalized, no Waiting)',
      'release (finalized, no Waiting)',
      'write (finalized, no Waiting)',
      'answer (finalized, CooldownActive)',
    ]);
    expect(conditionOf('Waiting')(api.state.stored)).toBe('CooldownActive');
  });

  it('lets a start waiting for the resource of an earlier execution of its name go once that wait is known, before the TargetLocked write', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('Waiting'));
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry(),
      orphans: {
        release: async () => {
          step('earlier');
          throw new CleanupPendingError('PipelineRun executions/p is running its finally', 20);
        },
        createdFor: () => undefined,
        holds: () => false,
      },
      now: () => now,
    });
    expect(await reconciler.reconcile('team-a/w', ctx)).toEqual({ requeueAfter: 20_000 });
    expect(taken).toEqual(['earlier (no Waiting)', 'release (no Waiting)', 'write (no Waiting)']);
    expect(conditionOf('Waiting')(api.state.stored)).toBe('TargetLocked');
  });

  it('lets a start that waits for a held target (lockPolicy wait) go once its create was refused, before the TargetLocked write', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('Waiting'));
    const registry = jobRegistry({
      create: async () => {
        step('create');
        throw new ResourceLockedError('wfe-0123456789abcdef', undefined);
      },
    });
    await expect(
      reconcilerOver(api, { registry, lockPolicy: 'wait', now: () => now }).reconcile(
        'team-a/w',
        ctx,
      ),
    ).rejects.toBeInstanceOf(ResourceLockedError);
    expect(taken).toEqual(['create (no Waiting)', 'release (no Waiting)', 'write (no Waiting)']);
    expect(conditionOf('Waiting')(api.state.stored)).toBe('TargetLocked');
  });

  it('lets a stalled execution go once it was read again, before the Stalled write', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = stepsWithWrites(api, conditionOf('Stalled'));
    const reader = {
      get: async () => {
        step('read');
        return api.state.stored;
      },
    } as unknown as typeof api.reader;
    const registry = jobRegistry({
      create: async () => {
        step('create');
        throw new ConventionsMismatchError('Job executions/wfe-0', 'roundhouse', 'kubernaut');
      },
    });
    await reconcilerOver({ client: api.client, reader }, { registry, now: () => now }).reconcile(
      'team-a/w',
      ctx,
    );
    expect(taken).toEqual([
      'read (no Stalled)',
      'create (no Stalled)',
      'read (no Stalled)',
      'release (no Stalled)',
      'write (no Stalled)',
    ]);
    expect(conditionOf('Stalled')(api.state.stored)).toBe('ConventionsMismatch');
  });
});
