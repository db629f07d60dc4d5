import {
  type ActionPhase,
  markQueued,
  phaseOf,
  setActionPhase,
  waitingForCacheMessage,
} from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  markWaitingForSlot,
  mayFreeSlot,
  slotEntryOf,
  slotRecheckMs,
  waitingForSlotMessage,
} from './attempt-slots.js';

const now = new Date('2026-03-01T10:00:00Z');

/** Action `name` of namespace ns, created at second `second` past 10:00, in `phase`. */
function action(
  name: string,
  second: number,
  phase: ActionPhase | undefined,
  more: { message?: string; deleting?: boolean; condition?: boolean } = {},
): KubeObject {
  const created = new Date(now.getTime() + second * 1000).toISOString();
  return {
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: created,
      ...(more.deleting ? { deletionTimestamp: created } : {}),
    },
    spec: more.condition ? { actionType: 'condition' } : { taskType: 'container' },
    status: phase
      ? { conditions: setActionPhase(undefined, phase, more.message ?? phase, { now }) }
      : {},
  };
}

describe('slotEntryOf', () => {
  it('places an action in flight, waiting, or in neither, and orders it by creation then name', () => {
    expect(slotEntryOf(action('r', 1, 'Executing'))).toEqual({
      key: 'ns/r',
      namespace: 'ns',
      place: 'inFlight',
      order: '2026-03-01T10:00:01.000Z\u0000r',
    });
    expect(slotEntryOf(action('w', 1, 'Queued'))?.place).toBe('waiting');
    const bystanders = [
      action('done', 1, 'Completed'),
      action('failed', 1, 'PermanentFailure'),
      action('cond', 1, 'Paused', { condition: true }),
      action('gone', 1, 'Queued', { deleting: true }),
      action('cached', 1, 'Queued', { message: waitingForCacheMessage('u9') }),
      action('new', 1, undefined),
    ];
    expect(bystanders.map((b) => slotEntryOf(b)?.place)).toEqual(Array(6).fill('none'));
  });
});

describe('mayFreeSlot', () => {
  it('looks at the line only after a change to an action that held a slot, ended or is being deleted', () => {
    expect(mayFreeSlot(action('a', 1, 'Executing'))).toBe(true);
    expect(mayFreeSlot(action('a', 1, 'Completed'))).toBe(true);
    expect(mayFreeSlot(action('a', 1, 'Queued', { deleting: true }))).toBe(true);
    expect(mayFreeSlot(action('a', 1, 'Queued'))).toBe(false);
    expect(mayFreeSlot(action('a', 1, undefined))).toBe(false);
    expect(mayFreeSlot(action('a', 1, 'Signaled', { condition: true }))).toBe(false);
  });
});

describe('markWaitingForSlot', () => {
  it('keeps a Queued action Queued with the reason it waits, once', () => {
    const message = waitingForSlotMessage('ns', 2);
    const queued = markQueued({}, { now }) ?? {};
    const waiting = markWaitingForSlot(queued, message, { now });
    expect(phaseOf(waiting)).toBe('Queued');
    expect(waiting?.conditions?.[0]?.message).toBe(message);
    expect(message).toMatch(/namespace ns has 2 attempts in flight.*--max-attempts-per-namespace/);
    expect(markWaitingForSlot(waiting ?? {}, message, { now })).toBeUndefined();
    const running = { conditions: setActionPhase(undefined, 'Executing', 'running', { now }) };
    expect(markWaitingForSlot(running, message, { now })).toBeUndefined();
  });
});

describe('slotRecheckMs', () => {
  it('looks again after six requeue periods, spread over half as long again', () => {
    expect(slotRecheckMs(10_000, () => 0)).toBe(60_000);
    expect(slotRecheckMs(10_000, () => 0.999_999)).toBe(90_000);
    expect(slotRecheckMs(1_000, () => 0.5)).toBe(7_500);
  });
});
