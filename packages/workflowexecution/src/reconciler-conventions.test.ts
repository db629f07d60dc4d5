import { ConventionsMismatchError } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  jobCompleted,
  jobRegistry,
  keyedRecorder,
  reconcilerOver,
} from './reconciler.test-support.js';

/*
 * An execution whose own resource was made under the other conventions preset (the controller
 * restarted with another --conventions): the engine's every call about that resource throws
 * ConventionsMismatchError. The execution is neither failed nor finished nor let go; it says
 * it is stalled and why, once, and is looked at again after a fixed while.
 */

const mismatch = () =>
  new ConventionsMismatchError('Job executions/wfe-0123456789abcdef', 'roundhouse', 'kubernaut');

const stalled = (stored: KubeObject) =>
  (
    stored.status as { conditions?: { type: string; status: string; reason: string }[] }
  ).conditions?.find((c) => c.type === 'Stalled');

/** Execution w, Running on wfe-0123456789abcdef since midnight, plus `status`. */
function running(status: Record<string, unknown> = {}): KubeObject {
  return {
    ...storedExecution('w'),
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:00:00Z',
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
      ...status,
    },
  };
}

describe('WorkflowExecutionReconciler under the other conventions', () => {
  it('leaves a start that meets its own resource made under the other preset unstarted, stalled, with one Warning Event, and looks again after minutes', async () => {
    const api = executionServer(storedExecution('w'));
    const { recorder, recorded } = keyedRecorder();
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: async () => {
          throw mismatch();
        },
      }),
      events: recorder,
    });
    const passes = [
      await reconciler.reconcile('team-a/w', ctx()),
      await reconciler.reconcile('team-a/w', ctx()),
    ];
    // Its phase as it was (none yet): not failed, not started.
    expect(api.state.stored.status).not.toHaveProperty('phase');
    expect(api.state.stored.status).not.toHaveProperty('failureDetails');
    expect(stalled(api.state.stored)).toMatchObject({
      status: 'True',
      reason: 'ConventionsMismatch',
      message: mismatch().message,
    });
    expect(recorded.filter((e) => e.startsWith('Warning ConventionsMismatch'))).toHaveLength(1);
    // The same while each time, not a backoff that grows.
    for (const result of passes) expect(result?.requeueAfter).toBe(5 * 60_000);
  });

  it('keeps a Running execution Running past its deadline, neither failing it nor stopping it, and completes it once its resource reads again', async () => {
    const api = executionServer(running());
    let report: () => Promise<ReturnType<typeof jobCompleted>> = async () => {
      throw mismatch();
    };
    const cleanup = vi.fn(async () => {
      throw mismatch();
    });
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ getStatus: () => report(), cleanup }),
      watchedEngines: new Set(['job']),
      defaultTimeoutMs: 60_000,
      deadlineGraceMs: 0,
      now: () => new Date('2026-01-01T00:10:00Z'),
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(cleanup).not.toHaveBeenCalled();
    expect(stalled(api.state.stored)).toMatchObject({ status: 'True' });

    report = async () => jobCompleted('2026-01-01T00:00:30Z');
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Completed' });
    expect(stalled(api.state.stored)).toMatchObject({ status: 'False' });
  });

  it('keeps the lock of a finished execution whose cleanup meets the other preset, and the finalizer of a deleted one', async () => {
    const finished = running({
      phase: 'Completed',
      completionTime: '2026-01-01T00:01:00Z',
    });
    const cleanup = vi.fn(async () => {
      throw mismatch();
    });
    const options = {
      registry: jobRegistry({ cleanup }),
      cooldownMs: 60_000,
      now: () => new Date('2026-01-01T00:10:00Z'),
    };
    const api = executionServer(finished);
    await reconcilerOver(api, options).reconcile('team-a/w', ctx());
    expect(cleanup).toHaveBeenCalled();
    const conditions = (api.state.stored.status as { conditions: { type: string }[] }).conditions;
    expect(conditions.find((c) => c.type === 'LockReleased')).toBeUndefined();
    expect(stalled(api.state.stored)).toMatchObject({ status: 'True' });

    const deleting = executionServer({
      ...finished,
      metadata: { ...finished.metadata, deletionTimestamp: '2026-01-01T00:09:00Z' },
    });
    await reconcilerOver(deleting, options).reconcile('team-a/w', ctx());
    expect(deleting.state.stored.metadata?.finalizers).toEqual([
      'roundhouse.dev/execution-cleanup',
    ]);
    expect(stalled(deleting.state.stored)).toMatchObject({ status: 'True' });
  });
});
