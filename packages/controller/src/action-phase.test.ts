import { describe, expect, it } from 'vitest';
import {
  actionEndTime,
  actionPhaseOf,
  isTerminalActionPhase,
  setActionPhase,
} from './action-phase.js';

const t0 = new Date('2026-03-01T10:00:00.400Z');
const t1 = new Date('2026-03-01T10:05:00.000Z');

describe('setActionPhase', () => {
  it('keeps a progressing sub-state in the reason of Progressing=True', () => {
    const queued = setActionPhase(undefined, 'Queued', 'waiting', {
      now: t0,
      observedGeneration: 1,
    });
    expect(queued).toEqual([
      {
        type: 'Progressing',
        status: 'True',
        reason: 'Queued',
        message: 'waiting',
        lastTransitionTime: '2026-03-01T10:00:00Z',
        observedGeneration: 1,
      },
    ]);
    const executing = setActionPhase(queued, 'Executing', 'running', { now: t1 });
    expect(executing).toHaveLength(1);
    // Still True: the sub-state changed, the condition did not transition.
    expect(executing[0]).toMatchObject({
      reason: 'Executing',
      lastTransitionTime: '2026-03-01T10:00:00Z',
    });
  });

  it('ends with Progressing=False and Succeeded=True on Completed', () => {
    const done = setActionPhase(
      setActionPhase(undefined, 'Executing', 'running', { now: t0 }),
      'Completed',
      'done',
      { now: t1 },
    );
    expect(done.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'False', 'Completed'],
      ['Succeeded', 'True', 'Completed'],
    ]);
  });

  it('ends a condition action with Succeeded=True on Signaled', () => {
    const paused = setActionPhase(undefined, 'Paused', 'waiting for signal', { now: t0 });
    expect(paused.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'True', 'Paused'],
    ]);
    expect(isTerminalActionPhase('Paused')).toBe(false);
    const signaled = setActionPhase(paused, 'Signaled', 'signalled', { now: t1 });
    expect(signaled.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'False', 'Signaled'],
      ['Succeeded', 'True', 'Signaled'],
    ]);
    expect(actionPhaseOf(signaled)).toBe('Signaled');
  });

  it('ends with Progressing=False and Failed=True on every failure reason', () => {
    for (const phase of [
      'PermanentFailure',
      'Aborted',
      'InvalidSpec',
      'PluginNotFound',
      'TimedOut',
    ] as const) {
      const failed = setActionPhase(undefined, phase, 'no', { now: t0 });
      expect(failed.map((c) => [c.type, c.status, c.reason])).toEqual([
        ['Progressing', 'False', phase],
        ['Failed', 'True', phase],
      ]);
    }
  });
});

describe('actionPhaseOf', () => {
  it('reads the phase back from the conditions', () => {
    expect(actionPhaseOf(undefined)).toBeUndefined();
    expect(actionPhaseOf(setActionPhase([], 'RetryableFailure', 'x', { now: t0 }))).toBe(
      'RetryableFailure',
    );
    expect(actionPhaseOf(setActionPhase([], 'Completed', 'x', { now: t0 }))).toBe('Completed');
    expect(actionPhaseOf(setActionPhase([], 'InvalidSpec', 'x', { now: t0 }))).toBe('InvalidSpec');
  });

  it('trusts no reason that is not a phase', () => {
    const odd = [
      {
        type: 'Progressing',
        status: 'True' as const,
        reason: 'Dancing',
        message: '',
        lastTransitionTime: '',
      },
    ];
    expect(actionPhaseOf(odd)).toBeUndefined();
  });
});

describe('terminal phases and the end time', () => {
  it('knows which phases end an action', () => {
    expect(isTerminalActionPhase('Completed')).toBe(true);
    expect(isTerminalActionPhase('Aborted')).toBe(true);
    expect(isTerminalActionPhase('RetryableFailure')).toBe(false);
    expect(isTerminalActionPhase(undefined)).toBe(false);
  });

  it('takes the end time from the terminal condition', () => {
    const running = setActionPhase([], 'Executing', 'x', { now: t0 });
    expect(actionEndTime(running)).toBeUndefined();
    const failed = setActionPhase(running, 'PermanentFailure', 'x', { now: t1 });
    expect(actionEndTime(failed)?.toISOString()).toBe('2026-03-01T10:05:00.000Z');
  });
});
