import { formatKubeMicroTime } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  acquiredSpec,
  heldByOther,
  releasedSpec,
  renewPauseMs,
  withinRenewDeadline,
} from './lease.js';

const t0 = new Date('2026-03-04T05:06:07.089Z');

describe('lease decisions', () => {
  it('takes a new lease with no transition counted', () => {
    expect(acquiredSpec(undefined, 'a', 15, t0)).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-03-04T05:06:07.089000Z',
      renewTime: '2026-03-04T05:06:07.089000Z',
      leaseTransitions: 0,
    });
  });

  it('renews without moving acquireTime or counting a transition', () => {
    const held = acquiredSpec(undefined, 'a', 15, t0);
    const later = new Date(t0.getTime() + 2_000);
    expect(acquiredSpec(held, 'a', 15, later)).toMatchObject({
      acquireTime: held.acquireTime,
      renewTime: formatKubeMicroTime(later),
      leaseTransitions: 0,
    });
  });

  it('counts a transition whenever the holder changes, also after a release', () => {
    const held = acquiredSpec(undefined, 'a', 15, t0);
    const takenOver = acquiredSpec(held, 'b', 15, t0);
    expect(takenOver.leaseTransitions).toBe(1);
    const released = releasedSpec(takenOver, t0);
    expect(released).toMatchObject({ holderIdentity: '', leaseTransitions: 1 });
    expect(acquiredSpec(released, 'a', 15, t0).leaseTransitions).toBe(2);
  });

  it('sees a lease as held by another until it has not changed for its duration', () => {
    const held = acquiredSpec(undefined, 'a', 10, t0);
    expect(heldByOther(held, 'b', 9_999, 15)).toBe(true);
    expect(heldByOther(held, 'b', 10_000, 15)).toBe(false);
    expect(heldByOther(held, 'a', 0, 15)).toBe(false);
    expect(heldByOther(releasedSpec(held, t0), 'b', 0, 15)).toBe(false);
    expect(heldByOther(undefined, 'b', 0, 15)).toBe(false);
    expect(heldByOther({ holderIdentity: 'a' }, 'b', 14_000, 15)).toBe(true);
  });
});

describe('lease timing', () => {
  it('leads on a write only within the renew deadline of when its attempt was sent', () => {
    expect(withinRenewDeadline(1_000, 1_000, 10_000)).toBe(true);
    expect(withinRenewDeadline(1_000, 10_999, 10_000)).toBe(true);
    // However quick the answer looked from its own arrival, 10 s after sending is too late.
    expect(withinRenewDeadline(1_000, 11_000, 10_000)).toBe(false);
    expect(withinRenewDeadline(1_000, 60_000, 10_000)).toBe(false);
  });

  it('waits the retry period between renewals, less when the deadline is near, never next to nothing', () => {
    // Renewed just now: the retry period.
    expect(renewPauseMs(0, 50, 10_000, 2_000)).toBe(2_000);
    // A renewal (or acquisition) answered 7 s after it was sent: try within half of what is left.
    expect(renewPauseMs(0, 7_000, 10_000, 2_000)).toBe(1_500);
    // Past or at the deadline: a tenth of the retry period, and the caller finds the deadline passed.
    expect(renewPauseMs(0, 9_990, 10_000, 2_000)).toBe(200);
    expect(renewPauseMs(0, 12_000, 10_000, 2_000)).toBe(200);
  });
});
