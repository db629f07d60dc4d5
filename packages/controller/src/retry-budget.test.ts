import { describe, expect, it } from 'vitest';
import { judgeFailure, systemRetryDelay } from './retry-budget.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const user = { kind: 'USER' as const, code: 'TaskFailed', message: 'exit 3', retryable: true };
const system = { kind: 'SYSTEM' as const, code: 'Forbidden', message: 'quota', retryable: true };
const policy = { maxAttempts: 3, systemBackoffMs: { initial: 1000, max: 5000 } };

describe('judgeFailure: attempts', () => {
  it('starts the next attempt while attempts remain, and ends the run of system failures', () => {
    expect(judgeFailure({ attempts: 1, systemFailures: 2 }, user, policy, now)).toEqual({
      verdict: 'nextAttempt',
      errorState: { code: 'TaskFailed', kind: 'USER', message: 'exit 3' },
      systemFailures: 0,
    });
    expect(judgeFailure({ attempts: 2, systemFailures: 0 }, user, policy, now).verdict).toBe(
      'nextAttempt',
    );
  });

  it('fails with MaxRetriesExceeded when the last attempt failed, naming the last failure', () => {
    const verdict = judgeFailure({ attempts: 3, systemFailures: 0 }, user, policy, now);
    expect(verdict.verdict).toBe('fail');
    expect(verdict.errorState).toEqual({
      code: 'MaxRetriesExceeded',
      kind: 'USER',
      message: 'task failed on all 3 attempt(s); last failure: TaskFailed: exit 3',
    });
  });

  it('fails at once on a failure that is not retryable, changing neither budget', () => {
    const bad = { ...user, code: 'BadTaskSpecification', retryable: false };
    expect(judgeFailure({ attempts: 1, systemFailures: 1 }, bad, policy, now)).toEqual({
      verdict: 'fail',
      errorState: { code: 'BadTaskSpecification', kind: 'USER', message: 'exit 3' },
      systemFailures: 1,
    });
  });
});

describe('judgeFailure: consecutive system failures', () => {
  it('relaunches the same attempt after a doubling backoff, up to the cap of 3', () => {
    const verdicts = [0, 1, 2].map((before) =>
      judgeFailure({ attempts: 2, systemFailures: before }, system, policy, now),
    );
    expect(verdicts.map((v) => v.verdict)).toEqual(['relaunch', 'relaunch', 'relaunch']);
    expect(verdicts.map((v) => v.systemFailures)).toEqual([1, 2, 3]);
    expect(
      verdicts.map((v) => (v.verdict === 'relaunch' ? v.retryAt.getTime() - now.getTime() : -1)),
    ).toEqual([1000, 2000, 4000]);
  });

  it('fails with MaxSystemFailuresExceeded on the fourth in a row', () => {
    const verdict = judgeFailure({ attempts: 2, systemFailures: 3 }, system, policy, now);
    expect(verdict).toMatchObject({
      verdict: 'fail',
      systemFailures: 4,
      errorState: { code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' },
    });
    expect(verdict.errorState.message).toContain('Forbidden: quota');
  });

  it('takes its own cap', () => {
    const once = { ...policy, maxSystemFailures: 1 };
    expect(judgeFailure({ attempts: 1, systemFailures: 1 }, system, once, now).verdict).toBe(
      'fail',
    );
  });
});

describe('judgeFailure: relaunches over the life of the action', () => {
  it('relaunches up to 20 times in all, counting this one, then fails however few were in a row', () => {
    const relaunch = judgeFailure(
      { attempts: 1, systemFailures: 0, relaunches: 19 },
      system,
      policy,
      now,
    );
    expect(relaunch).toMatchObject({ verdict: 'relaunch', systemFailures: 1, relaunches: 20 });
    const verdict = judgeFailure(
      { attempts: 1, systemFailures: 0, relaunches: 20 },
      system,
      policy,
      now,
    );
    expect(verdict).toMatchObject({
      verdict: 'fail',
      errorState: { code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' },
    });
    expect(verdict.errorState.message).toMatch(/^21 system failures over the action's life/);
  });

  it('leaves a judgement that relaunches nothing to the count in a row', () => {
    expect(
      judgeFailure({ attempts: 1, systemFailures: 0 }, system, { ...policy, maxRelaunches: 0 }, now)
        .verdict,
    ).toBe('relaunch');
  });
});

describe('systemRetryDelay', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const backoff = { initial: 100, max: 1000 };
    expect([1, 2, 3, 4, 5, 60].map((n) => systemRetryDelay(n, backoff))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});
