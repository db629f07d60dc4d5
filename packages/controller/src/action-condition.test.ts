import { describe, expect, it } from 'vitest';
import {
  advanceCondition,
  type ConditionActionStatus,
  conditionDeadline,
  conditionRequeueMs,
  judgeSignal,
} from './action-condition.js';
import { markQueued, phaseOf } from './action-status.js';

const created = '2026-03-01T10:00:00Z';
const t0 = new Date(created);
const at = (seconds: number) => ({ now: new Date(t0.getTime() + seconds * 1000), generation: 1 });
const deadline = conditionDeadline(created, 60_000);

function must(status: ConditionActionStatus | undefined): ConditionActionStatus {
  if (!status) throw new Error('transition did not apply');
  return status;
}

const paused = must(advanceCondition({}, deadline, at(0)));
const signal = { signalValue: 'true', signalledBy: 'alice', signalledAt: '2026-03-01T10:00:10Z' };

describe('conditionDeadline', () => {
  it('is the creation time plus the timeout', () => {
    expect(deadline).toEqual(new Date('2026-03-01T10:01:00Z'));
  });

  it('is none without a positive timeout or a creation time', () => {
    expect(conditionDeadline(created, undefined)).toBeUndefined();
    expect(conditionDeadline(created, 0)).toBeUndefined();
    expect(conditionDeadline(undefined, 60_000)).toBeUndefined();
  });
});

describe('advanceCondition', () => {
  it('pauses a new condition, once', () => {
    expect(phaseOf(paused)).toBe('Paused');
    expect(paused.conditions?.[0]).toMatchObject({
      type: 'Progressing',
      status: 'True',
      reason: 'Paused',
      message: 'waiting for signal',
    });
    expect(paused.phaseHistory?.map((h) => h.phase)).toEqual(['Paused']);
    expect(advanceCondition(paused, deadline, at(30))).toBeUndefined();
  });

  it('ends Signaled when a signal value is there, keeping the signal', () => {
    const signaled = must(advanceCondition({ ...paused, ...signal }, deadline, at(20)));
    expect(phaseOf(signaled)).toBe('Signaled');
    expect(signaled.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({
      status: 'True',
      reason: 'Signaled',
      message: 'condition signalled by "alice"',
    });
    expect(signaled).toMatchObject(signal);
    expect(signaled.phaseHistory?.map((h) => h.phase)).toEqual(['Paused', 'Signaled']);
  });

  it("quotes the signaller's free text as printable text, and keeps it as written", () => {
    const signalledBy = 'alice\u001b]0;root\u0007\u202e';
    const signaled = must(
      advanceCondition({ ...paused, ...signal, signalledBy }, deadline, at(20)),
    );
    const message = 'condition signalled by "alice\\x1b]0;root\\x07\\u202e"';
    expect(signaled.conditions?.find((c) => c.type === 'Succeeded')?.message).toBe(message);
    expect(signaled.phaseHistory?.at(-1)?.message).toBe(message);
    expect(signaled.signalledBy).toBe(signalledBy);
  });

  it('takes a signal that is there before the timeout was written, even past the deadline', () => {
    expect(phaseOf(advanceCondition({ ...paused, ...signal }, deadline, at(120)))).toBe('Signaled');
  });

  it('times out at the deadline with ConditionTimedOut', () => {
    expect(advanceCondition(paused, deadline, at(59))).toBeUndefined();
    const timedOut = must(advanceCondition(paused, deadline, at(60)));
    expect(phaseOf(timedOut)).toBe('TimedOut');
    expect(timedOut.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'TimedOut',
    });
    expect(timedOut.errorState).toEqual({
      code: 'ConditionTimedOut',
      kind: 'USER',
      message: 'no signal by 2026-03-01T10:01:00Z',
    });
  });

  it('never times out without a deadline', () => {
    expect(advanceCondition(paused, undefined, at(86_400))).toBeUndefined();
  });

  it('leaves an ended condition alone, signal or not', () => {
    const timedOut = must(advanceCondition(paused, deadline, at(60)));
    expect(advanceCondition({ ...timedOut, ...signal }, deadline, at(61))).toBeUndefined();
  });

  it('leaves a task action that is not new alone', () => {
    const queued = markQueued({}, at(0)) as ConditionActionStatus;
    expect(advanceCondition(queued, undefined, at(1))).toBeUndefined();
  });
});

describe('conditionRequeueMs', () => {
  it('wakes a waiting condition exactly at its deadline, and at once past it (never 0: no requeue)', () => {
    expect(conditionRequeueMs(paused, deadline, at(15).now)).toBe(45_000);
    expect(conditionRequeueMs(paused, deadline, at(75).now)).toBe(1);
  });

  it('does not wake one without a deadline or one that ended', () => {
    expect(conditionRequeueMs(paused, undefined, at(0).now)).toBeUndefined();
    const timedOut = must(advanceCondition(paused, deadline, at(60)));
    expect(conditionRequeueMs(timedOut, deadline, at(60).now)).toBeUndefined();
  });
});

describe('judgeSignal', () => {
  it('writes the first signal of a waiting condition', () => {
    expect(judgeSignal(paused, 'true')).toEqual({ verdict: 'write' });
    expect(judgeSignal({}, 'true')).toEqual({ verdict: 'write' });
  });

  it('changes nothing for the same value again, even once it ended', () => {
    expect(judgeSignal({ ...paused, ...signal }, 'true')).toEqual({ verdict: 'unchanged' });
    const signaled = must(advanceCondition({ ...paused, ...signal }, deadline, at(20)));
    expect(judgeSignal(signaled, 'true')).toEqual({ verdict: 'unchanged' });
  });

  it('refuses a different value', () => {
    expect(judgeSignal({ ...paused, ...signal }, 'false')).toMatchObject({
      verdict: 'reject',
      reason: 'AlreadySignalled',
    });
  });

  it('refuses a signal after the condition ended', () => {
    const timedOut = must(advanceCondition(paused, deadline, at(60)));
    expect(judgeSignal(timedOut, 'true')).toEqual({
      verdict: 'reject',
      reason: 'ConditionEnded',
      message: 'the condition has ended (TimedOut) and takes no signal',
    });
  });
});
