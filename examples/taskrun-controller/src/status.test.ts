import type { PodExecutionStatus } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import {
  graceLeftMs,
  heldRequeueMs,
  markNotStarted,
  markPodDeleted,
  markRejected,
  markTimedOut,
  markWaiting,
  observePod,
  remainingMs,
} from './status.js';

const now = new Date('2026-01-02T03:04:05Z');
const summary = { status: 'Unknown' as const };

function pod(result: Partial<PodExecutionStatus['result']>): PodExecutionStatus {
  return {
    podName: 'wfe-0123456789abcdef',
    createdAt: '2026-01-02T03:00:00Z',
    result: {
      phase: 'Running',
      reason: 'StepRunning',
      message: 'running step b (2/2)',
      summary,
      ...result,
    },
    steps: [
      { name: 'a', state: 'Succeeded', exitCode: 0 },
      { name: 'b', state: 'Running' },
    ],
  };
}

describe('observePod', () => {
  it('derives the phase, the steps and the start from the Pod', () => {
    expect(observePod(undefined, pod({}), now)).toEqual({
      phase: 'Running',
      reason: 'StepRunning',
      message: 'running step b (2/2)',
      podName: 'wfe-0123456789abcdef',
      startTime: '2026-01-02T03:00:00Z',
      stepStatuses: [
        { name: 'a', state: 'Succeeded', exitCode: 0 },
        { name: 'b', state: 'Running' },
      ],
    });
  });

  it("quotes a step's termination log as escapes, keeping its lines and tabs", () => {
    const failed = observePod(
      undefined,
      pod({
        phase: 'Failed',
        reason: 'StepFailed',
        message: 'step a exited with code 3 (Error): full\n\u001b]0;root@prod\u0007\u202e\tdone',
      }),
      now,
    );
    expect(failed?.message).toBe(
      'step a exited with code 3 (Error): full\n\\x1b]0;root@prod\\x07\\u202e\tdone',
    );
  });

  it("quotes the log in the step's own status as escapes too, which kubectl describe prints", () => {
    const log = 'full\n\u001b]0;root@prod\u0007\u202e\tdone';
    const failed = observePod(
      undefined,
      {
        ...pod({ phase: 'Failed', reason: 'StepFailed' }),
        steps: [
          { name: 'a', state: 'Failed', exitCode: 3, message: log },
          { name: 'b', state: 'Skipped' },
        ],
      },
      now,
    );
    expect(failed?.stepStatuses).toEqual([
      {
        name: 'a',
        state: 'Failed',
        exitCode: 3,
        message: 'full\n\\x1b]0;root@prod\\x07\\u202e\tdone',
      },
      { name: 'b', state: 'Skipped' },
    ]);
  });

  it('maps Completed to Succeeded and stamps the completion time', () => {
    const done = observePod(
      { phase: 'Running', startTime: '2026-01-02T02:59:59Z' },
      pod({ phase: 'Completed', reason: 'Succeeded', message: 'all 2 step(s) succeeded' }),
      now,
    );
    expect(done).toMatchObject({
      phase: 'Succeeded',
      startTime: '2026-01-02T02:59:59Z',
      completionTime: '2026-01-02T03:04:05Z',
    });
  });

  it('keeps the end the Pod shows, not when the controller saw it', () => {
    const late = observePod(
      { phase: 'Running', startTime: '2026-01-02T02:59:59Z' },
      pod({
        phase: 'Completed',
        reason: 'Succeeded',
        message: 'all 2 step(s) succeeded',
        completionTime: '2026-01-02T03:01:00Z',
      }),
      now,
    );
    expect(late).toMatchObject({ phase: 'Succeeded', completionTime: '2026-01-02T03:01:00Z' });
  });

  it('reads the kubelet’s deadline as TimedOut and keeps the failure class', () => {
    const failed = observePod(
      undefined,
      pod({ phase: 'Failed', reason: 'DeadlineExceeded', failureReason: 'DeadlineExceeded' }),
      now,
    );
    expect(failed).toMatchObject({
      phase: 'Failed',
      reason: 'TimedOut',
      failureReason: 'DeadlineExceeded',
    });
    const step = observePod(
      undefined,
      pod({ phase: 'Failed', reason: 'StepFailed', failureReason: 'OOMKilled' }),
      now,
    );
    expect(step).toMatchObject({ reason: 'StepFailed', failureReason: 'OOMKilled' });
  });

  it('shows no step running in a run whose Pod the cluster failed while the step still read running', () => {
    // The pod garbage collector fails a Pod whose node is gone in its kubelet's stead, changing
    // only the phase: the engine's result is Failed, the step it killed still Running.
    const orphaned: PodExecutionStatus = {
      ...pod({
        phase: 'Failed',
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists',
        failureReason: 'Unknown',
        completionTime: '2026-01-02T03:03:00Z',
      }),
      steps: [
        { name: 'a', state: 'Succeeded', exitCode: 0 },
        { name: 'b', state: 'Running', startedAt: '2026-01-02T03:01:00Z' },
      ],
    };
    const failed = observePod({ phase: 'Running' }, orphaned, now);
    expect(failed?.phase).toBe('Failed');
    expect(failed?.stepStatuses).toEqual([
      { name: 'a', state: 'Succeeded', exitCode: 0 },
      {
        name: 'b',
        state: 'Failed',
        reason: 'DeletionByPodGC',
        startedAt: '2026-01-02T03:01:00Z',
        finishedAt: '2026-01-02T03:03:00Z',
      },
    ]);
  });

  it('shows a step that cannot start as never started once the run fails for it, keeping why', () => {
    const stuck: PodExecutionStatus = {
      ...pod({ phase: 'Failed', reason: 'StartFailed', failureReason: 'ImagePullBackOff' }),
      steps: [
        { name: 'a', state: 'Waiting', reason: 'ImagePullBackOff', message: 'no such image' },
      ],
    };
    expect(observePod({ phase: 'Pending' }, stuck, now)?.stepStatuses).toEqual([
      { name: 'a', state: 'Skipped', reason: 'ImagePullBackOff', message: 'no such image' },
    ]);
  });

  it('never changes a finished run', () => {
    expect(observePod({ phase: 'Failed', reason: 'TimedOut' }, pod({}), now)).toBeUndefined();
    expect(observePod({ phase: 'Succeeded' }, pod({}), now)).toBeUndefined();
  });
});

describe('transitions before and around the Pod', () => {
  it('rejects and waits only while no Pod was created', () => {
    expect(markRejected(undefined, 'TaskNotFound', 'gone', now)).toEqual({
      phase: 'Failed',
      reason: 'TaskNotFound',
      message: 'gone',
      completionTime: '2026-01-02T03:04:05Z',
    });
    expect(markWaiting(undefined, 'TaskNotFound', 'waiting', now)).toEqual({
      phase: 'Pending',
      reason: 'TaskNotFound',
      message: 'waiting',
      startTime: '2026-01-02T03:04:05Z',
    });
    expect(markRejected({ phase: 'Pending', podName: 'p' }, 'X', 'x', now)).toBeUndefined();
    expect(markWaiting({ phase: 'Running', podName: 'p' }, 'X', 'x', now)).toBeUndefined();
    expect(markRejected({ phase: 'Failed' }, 'X', 'x', now)).toBeUndefined();
  });

  it('starts a held run at the first hold, and times it out with why it was held', () => {
    const held = { phase: 'Pending' as const, startTime: '2026-01-02T03:00:00Z' };
    expect(markWaiting(held, 'ResourceExhausted', 'exceeded quota: pods', now)).toEqual({
      ...held,
      reason: 'ResourceExhausted',
      message: 'exceeded quota: pods',
    });
    expect(
      markNotStarted(
        { ...held, reason: 'ResourceExhausted', message: 'exceeded quota' },
        '4m',
        now,
      ),
    ).toEqual({
      phase: 'Failed',
      reason: 'TimedOut',
      message: 'the run did not start within its timeout of 4m: exceeded quota',
      failureReason: 'DeadlineExceeded',
      startTime: '2026-01-02T03:00:00Z',
      completionTime: '2026-01-02T03:04:05Z',
    });
    expect(markNotStarted({ ...held, podName: 'p' }, '4m', now)).toBeUndefined();
    expect(markNotStarted({ phase: 'Failed' }, '4m', now)).toBeUndefined();
  });

  it('looks at a held run again after as long as it was held, from 1 s to 5 min, and at its deadline', () => {
    const minute = 60_000;
    // First held now; held 4 s; held 1 h of a 2 h timeout; 10 s before its deadline.
    expect(heldRequeueMs(undefined, 120 * minute, now, true)).toBe(1_000);
    expect(heldRequeueMs('2026-01-02T03:04:01Z', 120 * minute, now, true)).toBe(4_000);
    expect(heldRequeueMs('2026-01-02T02:04:05Z', 120 * minute, now, true)).toBe(5 * minute);
    expect(heldRequeueMs('2026-01-02T02:04:15Z', 60 * minute, now, true)).toBe(10_000);
    // Waiting for its Task, whose creation wakes it: only the deadline.
    expect(heldRequeueMs('2026-01-02T03:04:01Z', 60 * minute, now, false)).toBe(
      60 * minute - 4_000,
    );
    expect(heldRequeueMs('2026-01-02T02:04:05Z', 60 * minute, now, false)).toBe(1);
  });

  it('times a run out with the steps as last seen, the running one stopped by the timeout', () => {
    expect(markTimedOut(undefined, pod({}), '2s', now)).toMatchObject({
      phase: 'Failed',
      reason: 'TimedOut',
      message: 'the run did not finish within its timeout of 2s',
      failureReason: 'DeadlineExceeded',
      podName: 'wfe-0123456789abcdef',
      stepStatuses: [
        { name: 'a', state: 'Succeeded' },
        { name: 'b', state: 'Failed', reason: 'TimedOut', finishedAt: '2026-01-02T03:04:05Z' },
      ],
      completionTime: '2026-01-02T03:04:05Z',
    });
    expect(markTimedOut({ phase: 'Succeeded' }, pod({}), '2s', now)).toBeUndefined();
  });

  it('fails a run whose Pod disappeared, its running step with it and its waiting one never started', () => {
    const running = {
      phase: 'Running' as const,
      podName: 'p',
      stepStatuses: [
        { name: 'a', state: 'Running' as const, startedAt: '2026-01-02T03:00:01Z' },
        { name: 'b', state: 'Waiting' as const },
      ],
    };
    expect(markPodDeleted(running, 'p', now)).toMatchObject({
      phase: 'Failed',
      reason: 'PodDeleted',
      message: 'pod p was deleted before it finished',
      stepStatuses: [
        {
          name: 'a',
          state: 'Failed',
          reason: 'PodDeleted',
          startedAt: '2026-01-02T03:00:01Z',
          finishedAt: '2026-01-02T03:04:05Z',
        },
        { name: 'b', state: 'Skipped' },
      ],
    });
    expect(markPodDeleted({ phase: 'Running', podName: 'p' }, 'p', now)).not.toHaveProperty(
      'stepStatuses',
    );
    expect(markPodDeleted({ phase: 'Succeeded', podName: 'p' }, 'p', now)).toBeUndefined();
  });

  it('names the Pod of a run whose Pod was deleted before any status named it', () => {
    expect(markPodDeleted(undefined, 'p', now)).toEqual({
      phase: 'Failed',
      reason: 'PodDeleted',
      message: 'pod p was deleted before it finished',
      podName: 'p',
      completionTime: '2026-01-02T03:04:05Z',
    });
  });

  it('measures the deadline from the start', () => {
    expect(remainingMs('2026-01-02T03:04:00Z', 10_000, now)).toBe(5_000);
    expect(remainingMs('2026-01-02T03:03:00Z', 10_000, now)).toBe(-55_000);
    expect(remainingMs(undefined, 10_000, now)).toBe(10_000);
  });

  it("counts down to the end of a waiting step's startup grace; nothing when none waits", () => {
    expect(graceLeftMs('2026-01-02T03:04:15Z', now)).toBe(10_000);
    // Ended between the engine's look at the Pod and now: looked at again at once, never 0,
    // which asks for no requeue.
    expect(graceLeftMs('2026-01-02T03:04:00Z', now)).toBe(1);
    expect(graceLeftMs('2026-01-02T03:04:05Z', now)).toBe(1);
    expect(graceLeftMs(undefined, now)).toBeUndefined();
  });
});
