import { ManualClock, ReservationSightings, reservationSpec } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { holderUnderWay, reservationFactsOf, runningAttemptOf } from './reservation-facts.js';
import { taskAction } from './task-action.test-support.js';

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

describe('reservationFactsOf', () => {
  it('knows a holder under way from the index, and how long its Lease stood unchanged', () => {
    const clock = new ManualClock(0);
    const sightings = new ReservationSightings(clock);
    const spec = reservationSpec(undefined, 'u1', new Date('2026-12-07T17:00:00Z'), 10_000);
    const lease = { metadata: { name: 'k', uid: 'l1', resourceVersion: '7' }, spec };
    const holders = (actions: KubeObject[]) => (name: string) => (name === 'k' ? actions : []);
    expect(reservationFactsOf(sightings, lease, holders([action('u1')]))).toEqual({
      holderUnderWay: true,
      unchangedForMs: 0,
    });
    clock.advance(4_000);
    expect(reservationFactsOf(sightings, lease, holders([action('u1', completed)]))).toEqual({
      holderUnderWay: false,
      unchangedForMs: 4_000,
    });
  });
});
