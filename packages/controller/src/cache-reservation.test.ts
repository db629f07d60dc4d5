import { describe, expect, it } from 'vitest';
import { judgeReservation, reservationSpec } from './cache-reservation.js';

const heartbeatMs = 10_000;
const now = new Date('2026-12-07T18:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const hourAgo = later(-3_600_000);
const spec = (holder: string, renewed = now, heartbeat = heartbeatMs) =>
  reservationSpec(undefined, holder, renewed, heartbeat);
const seen = (unchangedForMs: number, holderUnderWay = false) => ({
  holderUnderWay,
  unchangedForMs,
});

describe('reservationSpec', () => {
  it('lasts three heartbeats from its renewal, in whole seconds', () => {
    expect(spec('u1')).toMatchObject({
      holderIdentity: 'u1',
      leaseDurationSeconds: 30,
      renewTime: '2026-12-07T18:00:00.000000Z',
    });
    expect(spec('u1', now, 200).leaseDurationSeconds).toBe(1);
  });

  it('counts a takeover as a transition and keeps acquireTime on renewal', () => {
    const held = spec('u2');
    expect(reservationSpec(held, 'u1', later(40_000), heartbeatMs)).toMatchObject({
      holderIdentity: 'u1',
      leaseTransitions: 1,
    });
    expect(reservationSpec(held, 'u2', later(5_000), heartbeatMs)).toMatchObject({
      acquireTime: held.acquireTime,
      renewTime: '2026-12-07T18:00:05.000000Z',
      leaseTransitions: 0,
    });
  });
});

describe('judgeReservation', () => {
  it('is free without a lease or a holder', () => {
    expect(judgeReservation(undefined, 'u1', seen(0), now, heartbeatMs)).toEqual({ state: 'free' });
    expect(judgeReservation({ holderIdentity: '' }, 'u1', seen(0), now, heartbeatMs)).toEqual({
      state: 'free',
    });
  });

  it('is mine however old, due for renewal once seen unchanged for half a heartbeat', () => {
    expect(judgeReservation(spec('u1'), 'u1', seen(4_999), now, heartbeatMs)).toEqual({
      state: 'mine',
      renewDue: false,
    });
    expect(judgeReservation(spec('u1'), 'u1', seen(5_000), now, heartbeatMs)).toEqual({
      state: 'mine',
      renewDue: true,
    });
    expect(
      judgeReservation(spec('u1', hourAgo), 'u1', seen(60 * heartbeatMs), now, heartbeatMs),
    ).toEqual({ state: 'mine', renewDue: true });
  });

  it("holds a holder under way's Lease past its expiry: a waiter looks again in a heartbeat", () => {
    expect(
      judgeReservation(spec('u2', hourAgo), 'u1', seen(60 * heartbeatMs, true), now, heartbeatMs),
    ).toEqual({ state: 'held', holder: 'u2', expiresAt: later(heartbeatMs) });
  });

  it('expires any other holder once seen unchanged for its duration, whatever its renewTime', () => {
    // A renewal an hour (or a year) ahead was written by a clock ahead of this one, or forged:
    // it holds the key no longer than one written now.
    const renewals = [hourAgo, later(3_600_000), later(365 * 86_400_000), now];
    for (const renewed of renewals) {
      expect(judgeReservation(spec('u2', renewed), 'u1', seen(0), now, heartbeatMs)).toEqual({
        state: 'held',
        holder: 'u2',
        expiresAt: later(3 * heartbeatMs),
      });
      expect(judgeReservation(spec('u2', renewed), 'u1', seen(29_999), now, heartbeatMs)).toEqual({
        state: 'held',
        holder: 'u2',
        expiresAt: later(1),
      });
      expect(judgeReservation(spec('u2', renewed), 'u1', seen(30_000), now, heartbeatMs)).toEqual({
        state: 'free',
      });
    }
    const unrenewed = { holderIdentity: 'u2', leaseDurationSeconds: 30 };
    expect(judgeReservation(unrenewed, 'u1', seen(0), now, heartbeatMs).state).toBe('held');
  });

  it('counts no more of a duration than reservationSpec writes, and none of a missing one', () => {
    const long = { ...spec('u2'), leaseDurationSeconds: 86_400 };
    expect(judgeReservation(long, 'u1', seen(29_999), now, heartbeatMs).state).toBe('held');
    expect(judgeReservation(long, 'u1', seen(30_000), now, heartbeatMs)).toEqual({
      state: 'free',
    });
    const none = { ...spec('u2'), leaseDurationSeconds: undefined };
    expect(judgeReservation(none, 'u1', seen(0), now, heartbeatMs)).toEqual({ state: 'free' });
    // Three 200 ms heartbeats are written as the whole second a Lease records, and last it.
    const short = spec('u2', now, 200);
    expect(judgeReservation(short, 'u1', seen(999), now, 200).state).toBe('held');
    expect(judgeReservation(short, 'u1', seen(1_000), now, 200)).toEqual({ state: 'free' });
  });

  it('holds a free Lease, or none, for another owner whose attempt is under way', () => {
    const running = { ...seen(3 * heartbeatMs), runningAttempt: 'u3' };
    const held = { state: 'held', holder: 'u3', expiresAt: later(heartbeatMs) };
    expect(judgeReservation(undefined, 'u1', running, now, heartbeatMs)).toEqual(held);
    expect(judgeReservation(spec('u2'), 'u1', running, now, heartbeatMs)).toEqual(held);
    // Held, or the owner's own: as judged by the Lease.
    expect(
      judgeReservation(spec('u2'), 'u1', { ...running, unchangedForMs: 0 }, now, heartbeatMs),
    ).toMatchObject({ state: 'held', holder: 'u2' });
    expect(judgeReservation(spec('u1'), 'u1', running, now, heartbeatMs).state).toBe('mine');
    expect(judgeReservation(undefined, 'u3', running, now, heartbeatMs)).toEqual({ state: 'free' });
  });
});
