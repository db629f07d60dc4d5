import { QuotaExceededError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { runObject, setup, statusWritten } from './reconciler.test-support.js';

/*
 * A run held without a Pod (its Task missing, its Pod refused for now) keeps a timeout, counted
 * from when it was first held, as Tekton counts a TaskRun's from its first reconcile. The
 * reconciler's clock reads 03:00:10.
 */
describe('TaskRunReconciler, a run held without a Pod', () => {
  const full = new QuotaExceededError('the API server refused the Pod: exceeded quota: pods');
  const refused = () => {
    throw full;
  };

  it('fails TimedOut once held past its timeout, saying why it was held, and creates no Pod', async () => {
    const held = runObject({
      phase: 'Pending',
      reason: 'ResourceExhausted',
      message: full.message,
      startTime: '2026-01-02T02:00:10Z',
    });
    const { client, executor, reconcile } = setup(held);
    await expect(reconcile()).resolves.toBeUndefined();
    expect(executor.createResource).not.toHaveBeenCalled();
    // A merge patch of what changed: its start stays.
    expect(statusWritten(client)).toEqual({
      phase: 'Failed',
      reason: 'TimedOut',
      message: `the run did not start within its timeout of 1h: ${full.message}`,
      failureReason: 'DeadlineExceeded',
      completionTime: '2026-01-02T03:00:10Z',
    });
  });

  it('tries its Pod again no later than its deadline, however long the backoff has grown', async () => {
    // Held for 59 min 55 s of its hour: the backoff says 5 min, the deadline 5 s.
    const held = runObject({
      phase: 'Pending',
      reason: 'ResourceExhausted',
      message: full.message,
      startTime: '2026-01-02T02:00:15Z',
    });
    const { client, reconcile } = setup(held, { create: refused });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 5_000 });
    // Still held for the same reason since its first hold: nothing to write.
    expect(client.patch).not.toHaveBeenCalled();
  });

  it('gives a Pod created after a hold only what is left of the timeout', async () => {
    const held = runObject({
      phase: 'Pending',
      reason: 'ResourceExhausted',
      message: full.message,
      startTime: '2026-01-02T02:30:10Z',
    });
    const { executor, reconcile } = setup(held);
    await reconcile();
    expect(executor.createResource.mock.calls[0]?.[0].spec).toMatchObject({
      executionConfig: { timeout: '1h' },
      timesOutAt: '2026-01-02T03:30:10Z',
    });
  });

  it('waiting for its missing Task, is looked at again at its deadline', async () => {
    const { client, reconcile } = setup(runObject(), { task: null, missingTask: 'wait' });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 3_600_000 });
    expect(statusWritten(client)).toMatchObject({
      phase: 'Pending',
      reason: 'TaskNotFound',
      startTime: '2026-01-02T03:00:10Z',
    });
  });
});
