import type { PodExecutionStatus } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import {
  runningPod,
  runObject,
  setup,
  statusWritten,
  stuckPod,
} from './reconciler.test-support.js';

/** Started more than the default timeout (1h) before the reconciler's clock (03:00:10). */
const overdue = runObject({
  phase: 'Running',
  podName: 'build-1-pod',
  startTime: '2026-01-02T01:59:00Z',
});

const succeeded: PodExecutionStatus = {
  ...runningPod,
  steps: [{ name: 'make', state: 'Succeeded', exitCode: 0 }],
  result: {
    phase: 'Completed',
    reason: 'Succeeded',
    message: 'all 1 step(s) succeeded',
    summary: { status: 'True', completedTasks: 1, totalTasks: 1 },
    completionTime: '2026-01-02T02:58:00Z',
  },
};

describe('TaskRunReconciler reads the Pod from the API server before deleting it', () => {
  it('keeps the outcome of a run that finished before its deadline while the cache still shows it running', async () => {
    const { executor, client, reconcile } = setup(overdue, {
      pod: runningPod,
      fresh: succeeded,
      podCached: true,
    });
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenLastCalledWith(
      expect.anything(),
      'ci',
      expect.objectContaining({ fresh: true }),
    );
    expect(statusWritten(client)).toMatchObject({
      phase: 'Succeeded',
      completionTime: '2026-01-02T02:58:00Z',
    });
    expect(executor.cleanup).not.toHaveBeenCalled();
  });

  it('times out, and deletes the Pod of, a run the API server also shows still running', async () => {
    const { executor, client, reconcile } = setup(overdue, {
      pod: runningPod,
      podCached: true,
    });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({ phase: 'Failed', reason: 'TimedOut' });
    expect(executor.cleanup).toHaveBeenCalledOnce();
  });

  it('fails a run whose Pod the API server no longer has as deleted, deleting nothing', async () => {
    const { executor, client, reconcile } = setup(overdue, {
      pod: runningPod,
      fresh: null,
      podCached: true,
    });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({ phase: 'Failed', reason: 'PodDeleted' });
    expect(executor.cleanup).not.toHaveBeenCalled();
  });

  it('does not fail, nor delete the Pod of, a step the cache shows unable to start but which runs', async () => {
    const pending = runObject({ phase: 'Pending', podName: 'build-1-pod' });
    const { executor, client, reconcile } = setup(pending, {
      pod: stuckPod,
      fresh: runningPod,
      podCached: true,
    });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({ phase: 'Running', reason: 'StepRunning' });
    expect(executor.cleanup).not.toHaveBeenCalled();
  });

  it('reads nothing more for a run that goes on before its deadline', async () => {
    const running = runObject({ phase: 'Running', podName: 'build-1-pod' });
    const { executor, reconcile } = setup(running, { pod: runningPod, podCached: true });
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenCalledOnce();
  });
});
