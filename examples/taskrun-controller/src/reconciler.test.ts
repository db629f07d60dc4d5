import type { KubeObject } from '@roundhouse/kube';
import type { PodExecutionStatus } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import {
  createdPod,
  failedPod,
  runningPod,
  runObject,
  setup,
  statusWritten,
  stuckPod,
} from './reconciler.test-support.js';

/** How a run fails when its step lint exits with code 1. */
const lintFailed = {
  reason: 'StepFailed',
  message: 'step lint exited with code 1 (Error)',
  failureReason: 'TaskFailed',
} as const;

/**
 * A reconcile that fails a run, in `phase` with its Pod cached as `pod`, and one of the run as
 * that write left it, as after a crash that came before the first could delete the Pod.
 */
async function failedThenAgain(phase: 'Pending' | 'Running', pod: PodExecutionStatus) {
  const first = setup(runObject({ phase, podName: 'build-1-pod' }), { pod, podCached: true });
  await first.reconcile();
  const reason = pod.result.reason;
  const again = setup(runObject({ phase: 'Failed', reason, podName: 'build-1-pod' }), {
    pod,
    podCached: true,
  });
  await again.reconcile();
  return { first, again };
}

describe('TaskRunReconciler requests', () => {
  it('does nothing, and fails nothing, for a run that no longer exists', async () => {
    const { client, executor, runs, reconcile } = setup(runObject(), {
      gone: true,
      podCached: true,
      pod: runningPod,
    });
    await expect(reconcile()).resolves.toBeUndefined();
    expect(executor.createResource).not.toHaveBeenCalled();
    expect(executor.getStepStatus).not.toHaveBeenCalled();
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
    expect(runs.observe).not.toHaveBeenCalled();
  });

  it('creates a new run’s Pod without asking about the run or its Pod first, and names the Pod in its status at once, from what the create answered', async () => {
    const { client, executor, reconcile } = setup(runObject(), { pod: runningPod });
    await reconcile();
    expect(executor.createResource).toHaveBeenCalledOnce();
    // Not read back: the cache rarely holds the Pod yet, so the read would go to the API server.
    expect(executor.getStepStatus).not.toHaveBeenCalled();
    expect(executor.stepStatusOf).toHaveBeenCalledExactlyOnceWith(
      createdPod,
      'ci',
      expect.anything(),
    );
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledOnce();
    expect(statusWritten(client)).toMatchObject({ phase: 'Running', podName: 'build-1-pod' });
  });

  it('fails with PodDeleted, and never creates a second Pod for, a run whose Pod was deleted right after its create', async () => {
    // Deleted (by someone, evicted by a drain) before anything read it: the status names it.
    const first = setup(runObject());
    await first.reconcile();
    expect(first.executor.createResource).toHaveBeenCalledOnce();
    expect(statusWritten(first.client)).toMatchObject({ podName: 'build-1-pod' });
    // Its delete event brings the run back: the cache holds no Pod, nor does the API server.
    const written = (await first.client.patch.mock.results[0]?.value) as KubeObject;
    const again = setup(written, { pod: undefined, podCached: false });
    await again.reconcile();
    expect(again.executor.createResource).not.toHaveBeenCalled();
    expect(statusWritten(again.client)).toMatchObject({
      phase: 'Failed',
      reason: 'PodDeleted',
      message: 'pod build-1-pod was deleted before it finished',
    });
  });

  it('fails with PodDeleted at once a run whose create adopted its Pod on its way out', async () => {
    // Deleted by another hand and kept by the engine's finalizer: its deletion stopped it.
    const first = setup(runObject(), { created: null });
    await first.reconcile();
    expect(first.executor.getStepStatus).not.toHaveBeenCalled();
    expect(statusWritten(first.client)).toMatchObject({
      phase: 'Failed',
      reason: 'PodDeleted',
      message: 'pod build-1-pod was deleted before it finished',
      podName: 'build-1-pod',
    });
    const written = (await first.client.patch.mock.results[0]?.value) as KubeObject;
    const again = setup(written);
    await again.reconcile();
    expect(again.executor.createResource).not.toHaveBeenCalled();
    expect(again.client.patch).not.toHaveBeenCalled();
  });

  it('after a failed reconcile, reads the run and creates no Pod for one whose status already names it', async () => {
    // The cache lacks a status write that landed without an answer; the Pod was deleted since.
    const live = runObject({ phase: 'Running', podName: 'build-1-pod' });
    const { client, executor, reconcile } = setup(runObject(), { live, attempt: 1 });
    await reconcile();
    expect(client.get).toHaveBeenCalledOnce();
    expect(executor.createResource).not.toHaveBeenCalled();
  });

  it.each([
    // Its failing write landed without an answer: a run failed before it had a Pod stays so.
    ['a run the read shows finished', runObject({ phase: 'Failed', reason: 'TaskNotFound' })],
    // Deleted and created again under its name: the cached run is gone; the new one's events
    // reconcile it.
    [
      'a run of its name with another uid',
      { ...runObject(), metadata: { ...runObject().metadata, uid: 'uid-2' } },
    ],
  ])('after a failed reconcile, creates no Pod for %s', async (_, live) => {
    const { client, executor, reconcile } = setup(runObject(), { live, attempt: 1 });
    await expect(reconcile()).resolves.toBeUndefined();
    expect(client.get).toHaveBeenCalledOnce();
    expect(executor.createResource).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
  });

  it('after a failed reconcile, reads the run and creates its Pod when none was', async () => {
    const { client, executor, reconcile } = setup(runObject(), { attempt: 1 });
    await reconcile();
    expect(client.get).toHaveBeenCalledOnce();
    expect(executor.createResource).toHaveBeenCalledOnce();
  });

  it('reads a cached Pod of a run whose status names none yet, and creates nothing', async () => {
    const { executor, client, reconcile } = setup(runObject(), {
      pod: runningPod,
      podCached: true,
    });
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenCalledOnce();
    expect(executor.createResource).not.toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledOnce();
  });

  it('asks for the Pod a status names even when the cache holds none, before failing the run', async () => {
    const { executor, client, reconcile } = setup(
      runObject({ phase: 'Running', podName: 'build-1-pod' }),
      { pod: runningPod, podCached: false },
    );
    await reconcile();
    expect(executor.getStepStatus).toHaveBeenCalledOnce();
    expect(client.patch.mock.calls[0]?.[3]).not.toHaveProperty('status.reason', 'PodDeleted');
  });

  it('writes the status onto the cached run without a read, and caches what the write returned', async () => {
    const { client, runs, reconcile } = setup(
      runObject({ phase: 'Pending', podName: 'build-1-pod' }),
      { pod: runningPod, podCached: true },
    );
    await reconcile();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).toHaveBeenCalledOnce();
    const [, , , body] = client.patch.mock.calls[0] as unknown as [
      unknown,
      unknown,
      unknown,
      KubeObject,
    ];
    expect(body.metadata?.resourceVersion).toBe('10');
    expect(body.status).toMatchObject({ phase: 'Running', reason: 'StepRunning' });
    expect(runs.observe).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ metadata: expect.objectContaining({ resourceVersion: '11' }) }),
    );
  });

  it('sends nothing for a run whose status already shows its Pod', async () => {
    const first = setup(runObject({ phase: 'Pending', podName: 'build-1-pod' }), {
      pod: runningPod,
      podCached: true,
    });
    await first.reconcile();
    const written = (await first.client.patch.mock.results[0]?.value) as KubeObject;
    const { client, reconcile } = setup(written, { pod: runningPod, podCached: true });
    await reconcile();
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
  });

  it('deletes the Pod of a run it fails for a step that cannot start, which the kubelet would still start', async () => {
    const { first, again } = await failedThenAgain('Pending', stuckPod);
    expect(statusWritten(first.client)).toMatchObject({ phase: 'Failed', reason: 'StartFailed' });
    expect(first.executor.cleanup).toHaveBeenCalledTimes(1);
    // Written before a crash could delete it: the next reconcile deletes it.
    expect(again.executor.cleanup).toHaveBeenCalledTimes(1);
  });

  it('keeps the Pod of a run whose step exited non-zero: it has ended, and holds the logs', async () => {
    const exited = failedPod([{ name: 'make', state: 'Failed', exitCode: 2 }], {
      reason: 'StepFailed',
      message: 'step make exited with code 2 (Error)',
      failureReason: 'TaskFailed',
    });
    const { first, again } = await failedThenAgain('Running', exited);
    expect(statusWritten(first.client)).toMatchObject({ phase: 'Failed', reason: 'StepFailed' });
    expect(first.executor.cleanup).not.toHaveBeenCalled();
    expect(again.executor.cleanup).not.toHaveBeenCalled();
  });

  it('deletes, after a crash too, the Pod of a parallel run failed by one step while another still waits to start', async () => {
    const partly = failedPod(
      [
        { name: 'lint', state: 'Failed', exitCode: 1 },
        { name: 'test', state: 'Waiting', reason: 'ImagePullBackOff' },
      ],
      lintFailed,
    );
    const { first, again } = await failedThenAgain('Running', partly);
    expect(statusWritten(first.client)).toMatchObject({ phase: 'Failed', reason: 'StepFailed' });
    expect(first.executor.cleanup).toHaveBeenCalledTimes(1);
    // The kubelet would start the waiting step once its image can be pulled: a crash (or a
    // failed delete) after the write leaves the Pod to the next reconcile, which deletes it.
    expect(again.executor.cleanup).toHaveBeenCalledTimes(1);
    expect(again.client.patch).not.toHaveBeenCalled();
  });

  it('deletes a failed run’s Pod only when the API server, too, shows a step still going on', async () => {
    const step = (state: 'Running' | 'Failed') =>
      failedPod(
        [
          { name: 'lint', state: 'Failed', exitCode: 1 },
          state === 'Running'
            ? { name: 'test', state, startedAt: '2026-01-02T03:00:01Z' }
            : { name: 'test', state, exitCode: 0 },
        ],
        lintFailed,
      );
    const failed = runObject({ phase: 'Failed', reason: 'StepFailed', podName: 'build-1-pod' });
    // The cache, behind a quiet watch, still shows the step running; it has ended since, and
    // its Pod holds its output.
    const stale = setup(failed, { pod: step('Running'), fresh: step('Failed'), podCached: true });
    await stale.reconcile();
    expect(stale.executor.getStepStatus).toHaveBeenLastCalledWith(
      expect.anything(),
      'ci',
      expect.objectContaining({ fresh: true }),
    );
    expect(stale.executor.cleanup).not.toHaveBeenCalled();
    const running = setup(failed, { pod: step('Running'), podCached: true });
    await running.reconcile();
    expect(running.executor.cleanup).toHaveBeenCalledOnce();
    // A Pod the cache already shows ended is not asked about again.
    const ended = setup(failed, { pod: step('Failed'), fresh: step('Running'), podCached: true });
    await ended.reconcile();
    expect(ended.executor.getStepStatus).toHaveBeenCalledOnce();
    expect(ended.executor.cleanup).not.toHaveBeenCalled();
  });

  it('deletes, after a crash, the Pod of a run it failed TimedOut, StartFailed or StatusTooLarge, even one that has ended since', async () => {
    // The failing write comes before the delete; a crash between them leaves the Pod, whose
    // steps may have ended since (the kubelet's deadline, an output too large to store).
    const ended: PodExecutionStatus = {
      ...runningPod,
      steps: [{ name: 'make', state: 'Succeeded', exitCode: 0 }],
      result: {
        phase: 'Completed',
        reason: 'Succeeded',
        message: 'all 1 step(s) succeeded',
        summary: { status: 'True', completedTasks: 1, totalTasks: 1 },
      },
    };
    for (const reason of ['TimedOut', 'StartFailed', 'StatusTooLarge']) {
      const failed = runObject({ phase: 'Failed', reason, podName: 'build-1-pod' });
      const { executor, client, reconcile } = setup(failed, { pod: ended, podCached: true });
      await reconcile();
      expect(executor.cleanup, reason).toHaveBeenCalledOnce();
      expect(client.patch, reason).not.toHaveBeenCalled();
    }
  });

  it('deletes no Pod of a timed-out run when the cache holds none', async () => {
    const { executor, client, reconcile } = setup(
      runObject({ phase: 'Failed', reason: 'TimedOut', podName: 'build-1-pod' }),
    );
    await reconcile();
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
  });
});
