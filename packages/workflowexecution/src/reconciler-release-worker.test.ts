import { ResourceLockedError } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
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

  it('keeps the worker of a start whose create failed: its failure is still to be decided', async () => {
    const api = executionServer(storedExecution('w'));
    const { taken, step, ctx } = steps(api);
    const registry = jobRegistry({
      create: async () => {
        step('create');
        throw new ResourceLockedError('wfe-0123456789abcdef', undefined);
      },
    });
    // Failed, or thrown to be retried: either is decided after the create, on the worker.
    await reconcilerOver(api, { registry, now: () => now })
      .reconcile('team-a/w', ctx)
      .catch(() => undefined);
    expect(taken).toEqual(['create (no phase)']);
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
});
