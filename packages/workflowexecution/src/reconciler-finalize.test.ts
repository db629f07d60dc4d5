import type { KubeObject, Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { reconcileContext as ctx, jobRegistry, reconcilerOver } from './reconciler.test-support.js';

/*
 * The cleanup finalizer's removal from a deleted execution, while other writers (another
 * controller's finalizer, an author's label) change the object between the cache's copy and
 * the write.
 */

const ours = 'roundhouse.dev/execution-cleanup';
const audit = 'audit.example.com/record';

/** Execution w, deleted, with `finalizers` and the version `resourceVersion`. */
function deleted(finalizers: string[], resourceVersion: string): KubeObject {
  const stored = storedExecution('w');
  return {
    ...stored,
    metadata: {
      ...stored.metadata,
      resourceVersion,
      deletionTimestamp: '2026-01-01T00:10:00Z',
      finalizers,
    },
  };
}

/** A server holding `server`, and a cache still showing `cached`. */
function behindCache(server: KubeObject, cached: KubeObject) {
  const api = executionServer(server, { conditional: true });
  const get = vi.spyOn(api.client, 'get');
  const reader = { get: async () => cached } as unknown as Reader;
  return { ...api, reader, get };
}

describe('WorkflowExecutionReconciler finalization', () => {
  it("takes its finalizer off in one write when a label was edited since the cache's copy, and leaves another controller's", async () => {
    const cached = deleted([ours, audit], '3');
    const api = behindCache(
      { ...cached, metadata: { ...cached.metadata, labels: { team: 'a' }, resourceVersion: '4' } },
      cached,
    );
    const reconciler = reconcilerOver(api, { registry: jobRegistry() });
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.metadata?.finalizers).toEqual([audit]);
    expect(api.state.stored.metadata?.labels).toEqual({ team: 'a' });
    // No conflict, so no read and no second write.
    expect(api.patch).toHaveBeenCalledTimes(1);
    expect(api.get).not.toHaveBeenCalled();
  });

  it("reads again when another controller's finalizer left ahead of it, and removes only its own", async () => {
    const cached = deleted([audit, ours], '3');
    const api = behindCache(deleted([ours, 'late.example.com/hold'], '5'), cached);
    const reconciler = reconcilerOver(api, { registry: jobRegistry() });
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.state.stored.metadata?.finalizers).toEqual(['late.example.com/hold']);
  });

  it('runs no cleanup for an execution whose lock was released once its resource was removed, and the cleanup for one whose resource was left', async () => {
    const released = (reason: string): KubeObject => ({
      ...deleted([ours], '3'),
      status: {
        phase: 'Completed',
        completionTime: '2026-01-01T00:00:00Z',
        conditions: [
          {
            type: 'LockReleased',
            status: 'True',
            reason,
            message: 'target unlocked',
            lastTransitionTime: '2026-01-01T00:05:00Z',
          },
        ],
      },
    });
    const cleanups: string[] = [];
    for (const reason of ['CleanedUp', 'ResourceNotRemoved']) {
      const stored = released(reason);
      const api = behindCache(stored, stored);
      const cleanup = async () => {
        cleanups.push(reason);
      };
      const reconciler = reconcilerOver(api, { registry: jobRegistry({ cleanup }) });
      await reconciler.reconcile('team-a/w', ctx());
      expect(api.state.stored.metadata?.finalizers).toEqual([]);
    }
    expect(cleanups).toEqual(['ResourceNotRemoved']);
  });

  it('sends nothing more once its finalizer removal completed the deletion, though the cache still shows the execution with its finalizer', async () => {
    const cached = deleted([ours], '3');
    const api = behindCache(cached, cached);
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry(),
      executions: { observe: () => {}, get: () => cached },
    });
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.patch).toHaveBeenCalledTimes(1);
    // Woken by an earlier event of it before the watch's delete event: the copy is stale.
    await reconciler.reconcile('team-a/w', ctx());
    expect(api.patch).toHaveBeenCalledTimes(1);
    expect(api.get).not.toHaveBeenCalled();
  });
});
