import { describe, expect, it } from 'vitest';
import { conditionDeletedEvent } from './condition-deletion.js';

const now = new Date('2026-03-01T10:00:00Z');
const seen = { finalStateUnknown: false };
const condition = (status: object) => ({
  metadata: { name: 'run1-approve', namespace: 'flyte', uid: 'u1' },
  spec: {
    runName: 'run1',
    project: 'p',
    domain: 'd',
    actionName: 'approve',
    actionType: 'condition',
    conditionSpec: { name: 'approve', type: 'boolean' },
  },
  status,
});
const phase = (type: string, status: string, reason: string) => ({
  conditions: [{ type, status, reason, message: '', lastTransitionTime: now.toISOString() }],
});

describe('conditionDeletedEvent', () => {
  it('reports a condition deleted while it waited as Aborted, once by its id', () => {
    const event = conditionDeletedEvent(
      condition(phase('Progressing', 'True', 'Paused')),
      seen,
      now,
    );
    expect(event).toMatchObject({ id: 'u1/aborted', phase: 'Aborted', attempt: 1 });
    expect(event?.message).toContain('Paused');
  });

  it('keeps the outcome of a condition that had ended, and leaves tasks to their finalizer', () => {
    expect(
      conditionDeletedEvent(condition(phase('Succeeded', 'True', 'Signaled')), seen, now),
    ).toBe(undefined);
    expect(conditionDeletedEvent(condition(phase('Failed', 'True', 'TimedOut')), seen, now)).toBe(
      undefined,
    );
    const task = condition(phase('Progressing', 'True', 'Executing'));
    expect(
      conditionDeletedEvent({ ...task, spec: { ...task.spec, actionType: 'task' } }, seen, now),
    ).toBe(undefined);
  });

  it('claims no Aborted for a deletion only a relist found: the condition may have ended unseen', () => {
    const waiting = condition(phase('Progressing', 'True', 'Paused'));
    expect(conditionDeletedEvent(waiting, { finalStateUnknown: true }, now)).toBe(undefined);
  });
});
