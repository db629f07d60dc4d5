import { CleanupPendingError, type WorkflowExecution } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  jobRegistry,
  keyedRecorder,
  reconcilerOver,
} from './reconciler.test-support.js';

/*
 * The lock release of executions no engine here can read: one whose engine is not registered,
 * and one whose stored spec does not parse. kubernaut's ReconcileTerminal releases every
 * finished execution after its cooldown, whatever its engine or spec, and records LockReleased.
 */

const cooldownMs = 60_000;
const failedAt = new Date('2026-01-01T00:10:00Z');
const afterCooldown = new Date(failedAt.getTime() + cooldownMs);

/** The LockReleased condition of the stored execution, if any. */
function lockReleased(stored: KubeObject) {
  const conditions = (stored.status as { conditions?: { type: string }[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'LockReleased');
}

/** `stored` Running on `executionRef`, as a start wrote it. */
function running(stored: KubeObject, executionRef: string): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:09:00Z',
      executionRef: { name: executionRef },
      conditions: [],
    },
  };
}

describe('WorkflowExecutionReconciler lock release', () => {
  it('releases the lock of a Running execution whose engine is gone after the cooldown, saying its resource was not removed', async () => {
    const api = executionServer(
      running(storedExecution('lost', { executionEngine: 'ansible' }), 'awx-job-7'),
    );
    const { recorder, recorded } = keyedRecorder();
    let clock = failedAt;
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry(),
      cooldownMs,
      events: recorder,
      now: () => clock,
    });
    // kubernaut's MarkFailed requeues after the cooldown, so the release comes without a resync.
    expect(await reconciler.reconcile('team-a/lost', ctx())).toEqual({ requeueAfter: cooldownMs });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'UnsupportedEngine' },
    });
    clock = afterCooldown;
    await reconciler.reconcile('team-a/lost', ctx());
    expect(lockReleased(api.state.stored)).toMatchObject({
      status: 'True',
      reason: 'ResourceNotRemoved',
      message:
        'target unlocked; execution resource executions/awx-job-7 was not removed: engine "ansible" is not registered with this controller',
    });
    expect(recorded).toEqual([
      expect.stringMatching(/^Warning WorkflowFailed: /),
      'Normal LockReleased: Lock released for team-a/deployment/app after cooldown; execution resource executions/awx-job-7 was not removed: engine "ansible" is not registered with this controller',
    ]);
  });

  it('releases the lock of an execution refused for an invalid spec once its cooldown is over, as kubernaut does', async () => {
    const invalid = storedExecution('invalid', { targetResource: '../../etc' });
    const api = executionServer({ ...invalid, metadata: { ...invalid.metadata, finalizers: [] } });
    const { recorder, recorded } = keyedRecorder();
    let clock = failedAt;
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry(),
      cooldownMs,
      events: recorder,
      now: () => clock,
    });
    await reconciler.reconcile('team-a/invalid', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ConfigurationError' },
    });
    // Within the cooldown a pass (an edited label) says nothing new.
    clock = new Date(failedAt.getTime() + cooldownMs / 2);
    await reconciler.reconcile('team-a/invalid', ctx());
    expect(lockReleased(api.state.stored)).toBeUndefined();
    clock = afterCooldown;
    await reconciler.reconcile('team-a/invalid', ctx());
    await reconciler.reconcile('team-a/invalid', ctx());
    expect(lockReleased(api.state.stored)).toMatchObject({ status: 'True', reason: 'CleanedUp' });
    expect(recorded).toEqual([
      expect.stringMatching(
        /^Warning WorkflowFailed: Pre-execution failure: ConfigurationError - /,
      ),
      'Normal LockReleased: Lock released for ../../etc after cooldown',
    ]);
  });

  it('fails a Running execution whose stored spec no longer parses once, then removes its Job and releases its lock after the cooldown', async () => {
    // Stored by an older version, with a field this one refuses.
    const api = executionServer(
      running(storedExecution('legacy', { retiredField: 'x' }), 'wfe-0123456789abcdef'),
    );
    const cleanup = vi.fn(async (_wfe: WorkflowExecution) => {});
    const { recorder, recorded } = keyedRecorder();
    let clock = failedAt;
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      cooldownMs,
      events: recorder,
      now: () => clock,
    });
    expect(await reconciler.reconcile('team-a/legacy', ctx())).toEqual({
      requeueAfter: cooldownMs,
    });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'ConfigurationError',
        message: expect.stringContaining('retiredField'),
      },
    });
    clock = new Date(failedAt.getTime() + 1_000);
    expect(await reconciler.reconcile('team-a/legacy', ctx())).toEqual({
      requeueAfter: cooldownMs - 1_000,
    });
    expect(cleanup).not.toHaveBeenCalled();
    clock = afterCooldown;
    await reconciler.reconcile('team-a/legacy', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(cleanup.mock.calls[0]?.[0]).toMatchObject({
      metadata: { uid: 'u-legacy' },
      spec: { targetResource: 'team-a/deployment/app', executionEngine: 'job' },
      status: { executionRef: { name: 'wfe-0123456789abcdef' } },
    });
    expect(lockReleased(api.state.stored)).toMatchObject({ status: 'True', reason: 'CleanedUp' });
    await reconciler.reconcile('team-a/legacy', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(recorded).toEqual([
      expect.stringMatching(/^Warning WorkflowFailed: Workflow {2}failed: ConfigurationError - /),
      'Normal LockReleased: Lock released for team-a/deployment/app after cooldown',
    ]);
  });

  it('releases the lock of a Running execution whose stored target no longer parses, saying its resource was not removed', async () => {
    const api = executionServer(
      running(storedExecution('legacy', { targetResource: 'app' }), 'wfe-0123456789abcdef'),
    );
    const cleanup = vi.fn(async () => {});
    let clock = failedAt;
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      cooldownMs,
      now: () => clock,
    });
    await reconciler.reconcile('team-a/legacy', ctx());
    clock = afterCooldown;
    await reconciler.reconcile('team-a/legacy', ctx());
    expect(cleanup).not.toHaveBeenCalled();
    expect(lockReleased(api.state.stored)).toMatchObject({
      reason: 'ResourceNotRemoved',
      message:
        'target unlocked; execution resource executions/wfe-0123456789abcdef was not removed: its spec no longer names an engine and target this controller can read',
    });
  });

  it('removes the Job of a started execution whose stored spec no longer parses when it is deleted', async () => {
    const stored = running(
      storedExecution('legacy', { retiredField: 'x' }),
      'wfe-0123456789abcdef',
    );
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, deletionTimestamp: '2026-01-01T00:10:00Z' },
    });
    const cleanup = vi.fn(async () => {});
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ cleanup }),
      now: () => failedAt,
    });
    await reconciler.reconcile('team-a/legacy', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(api.state.stored.metadata?.finalizers).toEqual([]);
  });

  it("shows a start held back by an earlier execution of its name, whose PipelineRun runs a graceful cancel's finally, as Waiting without recording an Event again, and starts once that run is gone", async () => {
    const api = executionServer(storedExecution('again'));
    const { recorder, events } = keyedRecorder();
    const finallyRunning = new CleanupPendingError(
      'PipelineRun executions/wfe-0123456789abcdef is running its finally tasks after a graceful cancel',
      20,
    );
    let earlierGone = false;
    const create = vi.fn(async () => ({ resourceName: 'wfe-0123456789abcdef', warnings: [] }));
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      orphans: {
        release: async () => {
          if (!earlierGone) throw finallyRunning;
        },
        createdFor: () => undefined,
        holds: () => false,
      },
      eventMode: 'lifecycle',
      events: recorder,
      now: () => failedAt,
    });
    const validated = () =>
      events.record.mock.calls.filter(([, , reason]) => reason === 'WorkflowValidated').length;
    for (let pass = 0; pass < 3; pass += 1)
      expect(await reconciler.reconcile('team-a/again', ctx())).toEqual({ requeueAfter: 20_000 });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        {
          type: 'Waiting',
          reason: 'TargetLocked',
          message: `waiting for the resource of an earlier execution of this name to be removed: ${finallyRunning.message}`,
        },
      ],
    });
    expect(api.patch).toHaveBeenCalledTimes(1);
    expect(validated()).toBe(1);
    expect(create).not.toHaveBeenCalled();
    earlierGone = true;
    await reconciler.reconcile('team-a/again', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(validated()).toBe(1);
  });
});
