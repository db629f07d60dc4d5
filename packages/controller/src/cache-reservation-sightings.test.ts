import { describe, expect, it } from 'vitest';
import { ReservationSightings, sight } from './cache-reservation-sightings.js';
import { ManualClock } from './clock.js';

const lease = (resourceVersion: string, uid = 'l1') => ({
  metadata: { name: 'k', uid, resourceVersion },
});

describe('sight', () => {
  it('keeps the first sighting while the Lease is unchanged, and starts again once written or replaced', () => {
    const first = sight(undefined, lease('7'), 100);
    expect(first).toEqual({ uid: 'l1', resourceVersion: '7', at: 100 });
    expect(sight(first, lease('7'), 500)).toBe(first);
    expect(sight(first, lease('8'), 500)).toEqual({ uid: 'l1', resourceVersion: '8', at: 500 });
    expect(sight(first, lease('7', 'l2'), 500).at).toBe(500);
  });
});

describe('ReservationSightings', () => {
  it('counts how long a Lease stood unchanged on its own clock, and forgets a deleted one', () => {
    const clock = new ManualClock(1_000);
    const sightings = new ReservationSightings(clock);
    expect(sightings.unchangedForMs(lease('7'))).toBe(0);
    clock.advance(4_000);
    expect(sightings.unchangedForMs(lease('7'))).toBe(4_000);
    expect(sightings.unchangedForMs(lease('8'))).toBe(0);
    clock.advance(1_000);
    sightings.forget('k');
    expect(sightings.unchangedForMs(lease('8'))).toBe(0);
  });
});
