import { setActionPhase, waitingForCacheMessage } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { AttemptSlots } from './attempt-slot-gate.js';

const now = new Date('2026-03-01T10:00:00Z');

/** Action `name` of ns, created at minute `minute` past 10:00, Queued with `message`. */
function queued(name: string, minute: number, message = 'waiting to launch attempt 1') {
  return {
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: `2026-03-01T10:${String(minute).padStart(2, '0')}:00Z`,
    },
    spec: { taskType: 'container' },
    status: { conditions: setActionPhase(undefined, 'Queued', message, { now }) },
  } satisfies KubeObject;
}

/** Slots over a cache of `objects` (changed through `put`), as the informer's events feed them. */
function slotsOver(objects: KubeObject[], max: number | undefined) {
  const wake = vi.fn();
  const slots = new AttemptSlots({ max, wake });
  for (const object of objects) slots.track(object);
  return { slots, wake, put: (o: KubeObject) => slots.track(o) };
}

describe('AttemptSlots', () => {
  it('gives the last slot once: a second claim in the same namespace waits while the first holds it', () => {
    const a = queued('a', 1);
    const b = queued('b', 2);
    const { slots } = slotsOver([a, b], 1);
    expect(slots.claim(a)).toBe('claimed');
    expect(slots.claim(b)).toBe('wait');
  });

  it('wakes the next in line when a claim ends without the action holding the slot (it waits for the cache now)', () => {
    const a = queued('a', 1);
    const b = queued('b', 2);
    const { slots, wake, put } = slotsOver([a, b], 1);
    expect(slots.claim(a)).toBe('claimed');
    put(queued('a', 1, waitingForCacheMessage('u9')));
    slots.release(a);
    expect(wake.mock.calls).toEqual([['ns/b']]);
    expect(slots.claim(b)).toBe('claimed');
  });

  it('does not wake the released action itself: a launch that threw waits for its backoff', () => {
    const a = queued('a', 1);
    const b = queued('b', 2);
    const { slots, wake } = slotsOver([a, b], 1);
    expect(slots.claim(a)).toBe('claimed');
    slots.release(a);
    expect(wake).not.toHaveBeenCalled();
    const { slots: two, wake: wakeTwo } = slotsOver([a, b], 2);
    expect(two.claim(a)).toBe('claimed');
    two.release(a);
    expect(wakeTwo.mock.calls).toEqual([['ns/b']]);
  });

  it('wakes nothing and caps nothing without a cap', () => {
    const a = queued('a', 1);
    const b = queued('b', 2);
    const { slots, wake } = slotsOver([a, b], undefined);
    expect(slots.claim(a)).toBe('claimed');
    expect(slots.claim(b)).toBe('claimed');
    slots.release(a);
    expect(wake).not.toHaveBeenCalled();
    expect(slots.wakeAfter({ ...a, metadata: { ...a.metadata, deletionTimestamp: 'x' } })).toEqual(
      [],
    );
  });

  it('wakes the oldest waiting action after an action that held a slot ends', () => {
    const done = {
      ...queued('done', 0),
      status: { conditions: setActionPhase(undefined, 'Completed', 'ok', { now }) },
    };
    const { slots } = slotsOver([done, queued('b', 2), queued('a', 1)], 1);
    expect(slots.wakeAfter(done)).toEqual(['ns/a']);
    expect(slots.wakeAfter(queued('c', 3))).toEqual([]);
  });
});
