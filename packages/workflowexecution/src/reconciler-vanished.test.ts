import type { KubeObject, Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { storedExecution } from './execution-server.test-support.js';
import { reconcileContext as ctx, jobRegistry, reconcilerOver } from './reconciler.test-support.js';

/*
 * An execution gone without passing its finalizer, whose watched resources the orphan
 * collection removes: how often the API server is asked whether it is gone.
 */

/**
 * A reader whose cache holds `cached` (nothing at first) and a server that answers gone, and
 * an orphan index that holds a resource of the execution until `held` says otherwise.
 */
function goneExecution(options: { releaseDrops?: boolean } = {}) {
  const state: { cached: KubeObject | undefined; held: boolean; now: number } = {
    cached: undefined,
    held: true,
    now: Date.parse('2026-12-06T22:00:00Z'),
  };
  const read = vi.fn(async (): Promise<KubeObject | null> => state.cached ?? null);
  // The delete's answer may drop the resource from the cache before its watch event wakes the key.
  const release = vi.fn(async () => {
    if (options.releaseDrops) state.held = false;
  });
  const reconciler = reconcilerOver(
    { client: {} as never, reader: { get: read } as unknown as Reader },
    {
      registry: jobRegistry(),
      executions: { observe: () => {}, get: () => state.cached },
      orphans: { release, createdFor: () => undefined, holds: () => state.held },
      now: () => new Date(state.now),
    },
  );
  return { state, read, release, reconciler };
}

describe('WorkflowExecutionReconciler over an execution gone while no controller ran', () => {
  it('asks the API server once, not again at the wakes of its resources being removed', async () => {
    const { state, read, release, reconciler } = goneExecution();
    // Woken by its Job as the cache lists it: only the API server can say the execution is gone.
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledTimes(1);
    // Woken by the Job's deletion being watched (being deleted, then gone): no read.
    await reconciler.reconcile('team-a/w', ctx());
    state.held = false;
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledTimes(3);
    // Nothing of it is cached any more: a later wake (a resync) asks again.
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('does not read it again at the wake of a removal the delete answer already cached', async () => {
    const { read, reconciler } = goneExecution({ releaseDrops: true });
    await reconciler.reconcile('team-a/w', ctx());
    // The Job's delete event arrives after the answer dropped it: the last wake of its removal.
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(1);
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('asks again once a watch lag has passed since the removal', async () => {
    const { state, read, reconciler } = goneExecution();
    await reconciler.reconcile('team-a/w', ctx());
    state.now += 31_000;
    await reconciler.reconcile('team-a/w', ctx());
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('reads a successor of the name as soon as the cache holds it', async () => {
    const { state, read, reconciler } = goneExecution();
    await reconciler.reconcile('team-a/w', ctx());
    state.cached = storedExecution('w');
    // Its Job's removal wakes the key once the successor is cached: it is read, and started.
    await reconciler.reconcile('team-a/w', ctx()).catch(() => undefined);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
