import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { KubernetesApiError } from './kubernetes-errors.js';
import {
  containerStateOf,
  defaultLogFollow,
  type FollowContext,
  LogFollowError,
  logFollowSettings,
  nextStep,
  reopenDelayMs,
} from './pod-log-follow.js';

describe('containerStateOf', () => {
  const pod = (statuses: object, phase = 'Running', containers = ['step']) => ({
    spec: { containers: containers.map((name) => ({ name })) },
    status: { phase, ...statuses },
  });

  it("reads the named container, the pod's only one when unnamed, init containers too", () => {
    const running = pod({ containerStatuses: [{ name: 'step', state: { running: {} } }] });
    expect(containerStateOf(running, 'step')).toBe('running');
    expect(containerStateOf(running, undefined)).toBe('running');
    const terminated = pod({
      containerStatuses: [{ name: 'step', state: { terminated: { exitCode: 0 } } }],
    });
    expect(containerStateOf(terminated, 'step')).toBe('ended');
    const init = pod({ initContainerStatuses: [{ name: 'prepare', state: { terminated: {} } }] });
    expect(containerStateOf(init, 'prepare')).toBe('ended');
    const restarting = pod({
      containerStatuses: [
        {
          name: 'step',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: {} },
        },
      ],
    });
    expect(containerStateOf(restarting, 'step')).toBe('ended');
  });

  it('says ended for a finished pod, gone for a deleted one, unknown when the pod does not say', () => {
    expect(containerStateOf(pod({}, 'Succeeded'), 'step')).toBe('ended');
    expect(containerStateOf(null, 'step')).toBe('gone');
    expect(containerStateOf(pod({}), 'step')).toBe('unknown');
    expect(containerStateOf(pod({}, 'Running', ['a', 'b']), undefined)).toBe('unknown');
    expect(containerStateOf({ status: 'odd' }, 'step')).toBe('unknown');
  });
});

describe('nextStep', () => {
  const settings = { ...defaultLogFollow, reopenAttempts: 2, reopenBackoffMs: 1_000 };
  const context: FollowContext = {
    follow: true,
    established: true,
    failures: 0,
    operation: 'logs Pod ns/pod-1 container step',
  };
  const unavailable = new KubernetesApiError('Unavailable', 'logs Pod ns/pod-1: HTTP 503', 503);

  it('ends when the server ended the stream or the pod is gone', () => {
    expect(nextStep({ end: 'ended' }, context, settings)).toEqual({ next: 'end' });
    expect(nextStep({ end: 'stalled', container: 'gone' }, context, settings)).toEqual({
      next: 'end',
    });
  });

  it('re-opens a stall at once: following a running container, reading the rest of an ended one', () => {
    const failing = { ...context, failures: 1 };
    expect(nextStep({ end: 'stalled', container: 'running' }, failing, settings)).toEqual({
      next: 'reopen',
      follow: true,
      delayMs: 0,
      failures: 0,
    });
    expect(nextStep({ end: 'stalled', container: 'unknown' }, context, settings)).toMatchObject({
      follow: true,
    });
    expect(nextStep({ end: 'stalled', container: 'ended' }, failing, settings)).toEqual({
      next: 'reopen',
      follow: false,
      delayMs: 0,
      failures: 1,
    });
  });

  it("counts a finished log's stall as a failure, so it is not re-read for ever", () => {
    const reading = { ...context, follow: false };
    expect(nextStep({ end: 'stalled', container: 'ended' }, reading, settings)).toEqual({
      next: 'reopen',
      follow: false,
      delayMs: 1_000,
      failures: 1,
    });
    const step = nextStep(
      { end: 'stalled', container: 'ended' },
      { ...reading, failures: 2 },
      settings,
    );
    expect(step).toMatchObject({ next: 'fail', error: { reason: 'Timeout', attempts: 3 } });
  });

  it('backs off on retryable failures, then fails with LogFollowError carrying the last reason', () => {
    const failed = { end: 'failed', error: unavailable } as const;
    expect(nextStep(failed, context, settings)).toEqual({
      next: 'reopen',
      follow: true,
      delayMs: 1_000,
      failures: 1,
    });
    expect(nextStep(failed, { ...context, failures: 1 }, settings)).toMatchObject({
      delayMs: 2_000,
      failures: 2,
    });
    const step = nextStep(failed, { ...context, failures: 2 }, settings);
    expect(step.next).toBe('fail');
    const error = (step as { error: unknown }).error;
    expect(error).toBeInstanceOf(LogFollowError);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      name: 'LogFollowError',
      reason: 'Unavailable',
      statusCode: 503,
      retryable: true,
      attempts: 3,
      cause: unavailable,
      message:
        'logs Pod ns/pod-1: HTTP 503; gave up following the log after 3 failed opens in a row',
    });
  });

  it('fails at once on an error no retry mends or before the follow got going; ends on a deleted pod', () => {
    const forbidden = new KubernetesApiError('Forbidden', 'pods "pod-1" is forbidden', 403);
    expect(nextStep({ end: 'failed', error: forbidden }, context, settings)).toEqual({
      next: 'fail',
      error: forbidden,
    });
    const bug = new TypeError('boom');
    expect(nextStep({ end: 'failed', error: bug }, context, settings)).toEqual({
      next: 'fail',
      error: bug,
    });
    const first = { ...context, established: false };
    expect(nextStep({ end: 'failed', error: unavailable }, first, settings)).toEqual({
      next: 'fail',
      error: unavailable,
    });
    const gone = new KubernetesApiError('NotFound', 'pods "pod-1" not found', 404);
    expect(nextStep({ end: 'failed', error: gone }, first, settings)).toEqual({
      next: 'fail',
      error: gone,
    });
    // Once the follow got going, a deleted pod ends it, as after a stall.
    expect(nextStep({ end: 'failed', error: gone }, context, settings)).toEqual({ next: 'end' });
  });

  it('spreads the backoff, caps it at 30 s and waits at least as long as Retry-After says', () => {
    expect(reopenDelayMs(1, 1_000, undefined, 0)).toBe(750);
    expect(reopenDelayMs(1, 1_000, undefined, 1)).toBe(1_250);
    expect(reopenDelayMs(10, 1_000, undefined)).toBe(30_000);
    expect(reopenDelayMs(1, 1_000, 7)).toBe(7_000);
    expect(reopenDelayMs(1, 0, undefined)).toBe(0);
  });

  it('waits no more than 5 minutes whatever Retry-After a proxy sends', () => {
    expect(reopenDelayMs(1, 1_000, 999_999_999)).toBe(300_000);
    expect(reopenDelayMs(1, 1_000, 301)).toBe(300_000);
  });
});

describe('logFollowSettings', () => {
  it('fills in the defaults and refuses what a timer cannot take', () => {
    expect(logFollowSettings(undefined)).toEqual({
      idleTimeoutMs: 300_000,
      reopenAttempts: 5,
      reopenBackoffMs: 1_000,
    });
    expect(logFollowSettings({ idleTimeoutMs: 0, reopenAttempts: 0 })).toMatchObject({
      idleTimeoutMs: 0,
      reopenAttempts: 0,
    });
    expect(() => logFollowSettings({ idleTimeoutMs: -1 })).toThrow(ConfigurationError);
    expect(() => logFollowSettings({ reopenBackoffMs: 2 ** 31 })).toThrow(
      /logFollow\.reopenBackoffMs: must be a whole number from 0 to 2147483647/,
    );
    expect(() => logFollowSettings({ idleTimeoutMs: 1.5 }, '')).toThrow(/^idleTimeoutMs: /);
  });
});
