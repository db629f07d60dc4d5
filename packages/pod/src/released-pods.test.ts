import { describe, expect, it } from 'vitest';
import { ReleasedPods } from './released-pods.js';

describe('ReleasedPods', () => {
  it('forgets the oldest first beyond its capacity, and a Pod added again counts as new', () => {
    const released = new ReleasedPods(2);
    released.add('a');
    released.add('b');
    released.add('a');
    released.add('c');
    expect([released.has('a'), released.has('b'), released.has('c')]).toEqual([true, false, true]);
    expect(released.has(undefined)).toBe(false);
  });
});
