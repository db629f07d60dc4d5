import type { PodExecutionStatus } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { runningPod, runObject, setup } from './reconciler.test-support.js';

describe('TaskRunReconciler requeues', () => {
  it("looks at a run again when its waiting step's startup grace ends, counted from when it began to wait", async () => {
    // The Pod was created at 03:00:00; its second step has waited for its image since the first
    // ended at 03:00:08, so the engine fails it at 03:00:23, not at the Pod's 03:00:15.
    const pulling: PodExecutionStatus = {
      ...runningPod,
      steps: [
        {
          name: 'fetch',
          state: 'Succeeded',
          exitCode: 0,
          startedAt: '2026-01-02T03:00:01Z',
          finishedAt: '2026-01-02T03:00:08Z',
        },
        { name: 'make', state: 'Waiting', reason: 'ImagePullBackOff' },
      ],
      startupGraceEndsAt: '2026-01-02T03:00:23Z',
    };
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: pulling,
      podCached: true,
    });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 13_000 });
  });

  it('looks at a run again at once when the grace ended since the engine read the Pod', async () => {
    // The engine read its clock a moment before 03:00:10, when the grace had not ended.
    const ended: PodExecutionStatus = {
      ...runningPod,
      steps: [{ name: 'make', state: 'Waiting', reason: 'ImagePullBackOff' }],
      startupGraceEndsAt: '2026-01-02T03:00:10Z',
    };
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: ended,
      podCached: true,
    });
    // The controller requeues only after a wait above 0.
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 1 });
  });

  it('sets no grace timer for a run with no step waiting in its grace, only its timeout', async () => {
    const { reconcile } = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: runningPod,
      podCached: true,
    });
    // The default timeout (1h) from the Pod's creation, 10 s ago.
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 3_590_000 });
  });
});
