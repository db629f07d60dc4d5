import { reservationSpec } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { holderUnderWay, judgeStanding, runningAttemptOf } from './reservation-standing.js';
import { taskAction } from './task-action.test-support.js';

const heartbeatMs = 10_000;
const now = new Date('2026-12-07T18:00:00.000Z');
const hourAgo = new Date(now.getTime() - 3_600_000);
const spec = (holder: string, renewed = now) =>
  reservationSpec(undefined, holder, renewed, heartbeatMs);
const seen = (unchangedForMs: number, holderUnderWay = false) => ({
  holderUnderWay,
  unchangedForMs,
});

describe('judgeStanding', () => {
  it('is free without a holder, and mine to the holder however old', () => {
    expect(judgeStanding(undefined, 'u1', seen(0), now, heartbeatMs)).toEqual({ state: 'free' });
    expect(judgeStanding({ holderIdentity: '' }, 'u1', seen(0), now, heartbeatMs)).toEqual({
      state: 'free',
    });
    expect(
      judgeStanding(spec('u1', hourAgo), 'u1', seen(60 * heartbeatMs), now, heartbeatMs),
    ).toEqual({ state: 'mine', renewDue: true });
  });

  it("holds a holder under way's Lease past its expiry: a waiter looks again in a heartbeat", () => {
    const held = judgeStanding(
      spec('u2', hourAgo),
      'u1',
      seen(60 * heartbeatMs, true),
      now,
      heartbeatMs,
    );
    expect(held).toEqual({
      state: 'held',
      holder: 'u2',
      expiresAt: new Date(now.getTime() + heartbeatMs),
    });
  });

  it('expires any other holder once seen unchanged for three heartbeats, whatever its renewTime', () => {
    for (const renewed of [hourAgo, new Date(now.getTime() + 3_600_000), now]) {
      expect(judgeStanding(spec('u2', renewed), 'u1', seen(0), now, heartbeatMs)).toEqual({
        state: 'held',
        holder: 'u2',
        expiresAt: new Date(now.getTime() + 3 * heartbeatMs),
      });
      expect(
        judgeStanding(spec('u2', renewed), 'u1', seen(3 * heartbeatMs), now, heartbeatMs),
      ).toEqual({ state: 'free' });
    }
  });

  it('holds a free Lease, or none, for another action whose attempt is under way', () => {
    const running = { ...seen(3 * heartbeatMs), runningAttempt: 'u3' };
    const held = { state: 'held', holder: 'u3', expiresAt: new Date(now.getTime() + heartbeatMs) };
    expect(judgeStanding(undefined, 'u1', running, now, heartbeatMs)).toEqual(held);
    expect(judgeStanding(spec('u2'), 'u1', running, now, heartbeatMs)).toEqual(held);
    // Held, or the owner's own: as judged by the Lease.
    expect(
      judgeStanding(spec('u2'), 'u1', { ...running, unchangedForMs: 0 }, now, heartbeatMs),
    ).toMatchObject({ state: 'held', holder: 'u2' });
    expect(judgeStanding(spec('u1'), 'u1', running, now, heartbeatMs).state).toBe('mine');
  });

  it('counts no more than three heartbeats of a longer duration, and none of a missing one', () => {
    const long = { ...spec('u2'), leaseDurationSeconds: 86_400 };
    expect(judgeStanding(long, 'u1', seen(3 * heartbeatMs), now, heartbeatMs)).toEqual({
      state: 'free',
    });
    const none = { ...spec('u2'), leaseDurationSeconds: undefined };
    expect(judgeStanding(none, 'u1', seen(0), now, heartbeatMs)).toEqual({ state: 'free' });
  });
});

const action = (uid: string, status?: KubeObject['status']) =>
  ({ ...taskAction({ metadata: { uid } }), ...(status ? { status } : {}) }) as KubeObject;
const inPhase = (type: string, reason: string) => ({
  conditions: [
    { type, status: 'True', reason, message: reason, lastTransitionTime: '2026-12-07T17:00:00Z' },
  ],
});
const completed = inPhase('Succeeded', 'Completed');

describe('holderUnderWay', () => {
  it('finds the unfinished action whose uid holds the Lease, and no other', () => {
    const running = action('u1');
    expect(holderUnderWay([action('u2'), running], 'u1')).toBe(running);
    expect(holderUnderWay([action('u1', completed)], 'u1')).toBeUndefined();
    expect(holderUnderWay([action('u2')], 'u1')).toBeUndefined();
    expect(holderUnderWay([running], '')).toBeUndefined();
  });
});

describe('runningAttemptOf', () => {
  it('finds another action of the key past its gate and unfinished, never the owner or a waiter', () => {
    const executing = action('u2', inPhase('Progressing', 'Executing'));
    const retrying = action('u3', inPhase('Progressing', 'RetryableFailure'));
    const queued = action('u4', inPhase('Progressing', 'Queued'));
    expect(runningAttemptOf([queued, executing], 'u1')).toBe(executing);
    expect(runningAttemptOf([retrying], 'u1')).toBe(retrying);
    expect(runningAttemptOf([executing], 'u2')).toBeUndefined();
    expect(runningAttemptOf([queued, action('u5'), action('u6', completed)], 'u1')).toBeUndefined();
  });
});
