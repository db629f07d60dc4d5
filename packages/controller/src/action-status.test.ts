import { describe, expect, it } from 'vitest';
import {
  type ActionStatus,
  markFailed,
  markLaunched,
  markObservationFailed,
  markProgress,
  markQueued,
  markRejected,
  markRelaunched,
  markSucceeded,
  nextStep,
  phaseOf,
} from './action-status.js';
import type { Failure } from './retry-budget.js';

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds = 0) => ({ now: new Date(t0.getTime() + seconds * 1000), generation: 1 });
const policy = { maxAttempts: 3, systemBackoffMs: { initial: 1000, max: 8000 } };
const userFailure: Failure = {
  kind: 'USER',
  code: 'TaskFailed',
  message: 'exit 3',
  retryable: true,
};
const systemFailure = (code: string): Failure => ({
  kind: 'SYSTEM',
  code,
  message: `${code} happened`,
  retryable: true,
});

function must(status: ActionStatus | undefined): ActionStatus {
  if (!status) throw new Error('transition did not apply');
  return status;
}

const history = (status: ActionStatus) => status.phaseHistory?.map((h) => h.phase);

describe('the happy path', () => {
  it('goes Queued -> Initializing -> Executing -> Completed with one history entry each', () => {
    let status = must(markQueued({}, at()));
    expect(nextStep(status, t0)).toEqual({ step: 'launch' });
    status = must(markLaunched(status, 'Job created', at(1)));
    expect(nextStep(status, t0)).toEqual({ step: 'observe' });
    status = must(markProgress(status, 'Executing', 'running', at(2)));
    status = must(markSucceeded(status, 'done', at(3)));
    expect(history(status)).toEqual(['Queued', 'Initializing', 'Executing', 'Completed']);
    expect(phaseOf(status)).toBe('Completed');
    expect(nextStep(status, t0)).toEqual({ step: 'done' });
    expect(status).toMatchObject({ attempts: 1, systemFailures: 0, observedGeneration: 1 });
  });

  it('returns undefined for a transition that no longer applies, so nothing is written', () => {
    const queued = must(markQueued({}, at()));
    expect(markQueued(queued, at(1))).toBeUndefined();
    const executing = must(
      markProgress(must(markLaunched(queued, 'x', at())), 'Executing', 'x', at()),
    );
    expect(markProgress(executing, 'Executing', 'other message', at(5))).toBeUndefined();
    expect(markProgress(executing, 'Initializing', 'pod restarted', at(5))).toBeUndefined();
    const done = must(markSucceeded(executing, 'done', at()));
    expect(markFailed(done, userFailure, policy, at())).toBeUndefined();
    expect(markSucceeded(done, 'again', at())).toBeUndefined();
  });
});

describe('user retries', () => {
  it('uses attempts 1, 2 and 3 and then fails with MaxRetriesExceeded', () => {
    let status = must(markQueued({}, at()));
    const attempts: number[] = [];
    for (;;) {
      attempts.push(status.attempts ?? -1);
      status = must(markLaunched(status, 'created', at()));
      status = must(markFailed(status, userFailure, policy, at()));
      const step = nextStep(status, t0);
      if (step.step === 'done') break;
      expect(step).toEqual({ step: 'relaunch', kind: 'USER' });
      status = must(markRelaunched(status, at()));
    }
    expect(attempts).toEqual([1, 2, 3]);
    expect(phaseOf(status)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'MaxRetriesExceeded', kind: 'USER' });
    expect(history(status)).toEqual([
      'Queued',
      'Initializing',
      'RetryableFailure',
      'Queued',
      'Initializing',
      'RetryableFailure',
      'Queued',
      'Initializing',
      'PermanentFailure',
    ]);
  });
});

describe('system failures', () => {
  it('waits for the backoff before relaunching the same attempt', () => {
    const launched = must(markLaunched(must(markQueued({}, at())), 'created', at()));
    const failed = must(markFailed(launched, systemFailure('Forbidden'), policy, at(10)));
    expect(failed).toMatchObject({
      systemFailures: 1,
      attempts: 1,
      retryAfter: '2026-03-01T10:00:11.000000Z',
      errorState: { code: 'Forbidden', kind: 'SYSTEM' },
    });
    expect(nextStep(failed, at(10.5).now)).toEqual({ step: 'wait', ms: 500 });
    expect(nextStep(failed, at(11).now)).toEqual({ step: 'relaunch', kind: 'SYSTEM' });
    const relaunched = must(markRelaunched(failed, at(11)));
    expect(relaunched).toMatchObject({ attempts: 1, systemFailures: 1 });
    expect(relaunched.retryAfter).toBeUndefined();
  });

  it('resets the count only when the execution is seen running', () => {
    let status = must(markLaunched(must(markQueued({}, at())), 'created', at()));
    status = must(markFailed(status, systemFailure('ResourceDeletedExternally'), policy, at()));
    // Everything the controller does itself keeps the count.
    status = must(markRelaunched(status, at(2)));
    expect(status.systemFailures).toBe(1);
    status = must(markLaunched(status, 'created again', at(2)));
    expect(status.systemFailures).toBe(1);
    expect(markProgress(status, 'Initializing', 'pod pending', at(2))).toBeUndefined();
    // The execution running is progress nobody but the execution can make.
    status = must(markProgress(status, 'Executing', 'running', at(3)));
    expect(status.systemFailures).toBe(0);
  });

  it('ends a delete/recreate loop after the cap, without a user attempt used (Flyte #8066)', () => {
    // The first attempt's resource is deleted gracefully and never goes away: every
    // observation sees it being deleted, every relaunch finds it still there.
    let status = must(
      markProgress(
        must(markLaunched(must(markQueued({}, at())), 'x', at())),
        'Executing',
        'x',
        at(),
      ),
    );
    let clock = 0;
    let laps = 0;
    let creates = 0;
    while (nextStep(status, at(clock).now).step !== 'done' && laps < 100) {
      laps += 1;
      const step = nextStep(status, at(clock).now);
      if (step.step === 'wait') clock += step.ms / 1000;
      if (step.step === 'launch') creates += 1;
      const next =
        step.step === 'observe'
          ? markFailed(status, systemFailure('UnexpectedObjectDeletion'), policy, at(clock))
          : step.step === 'relaunch'
            ? markFailed(status, systemFailure('ResourceNotReleased'), policy, at(clock))
            : undefined;
      status = next ?? status;
    }
    expect(phaseOf(status)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' });
    expect(status).toMatchObject({ attempts: 1, systemFailures: 4 });
    expect(creates).toBe(0);
    expect(laps).toBeLessThan(10);
  });
});

describe('an attempt lost again and again after it ran', () => {
  it('ends after 20 relaunches over the life of the action, though each lap resets the count in a row', () => {
    // The task fills its node's disk; the kubelet evicts it once it runs, every time.
    let status = must(markQueued({}, at()));
    let clock = 0;
    let runs = 0;
    while (!['PermanentFailure', 'Completed'].includes(phaseOf(status) as string) && runs < 100) {
      const step = nextStep(status, at(clock).now);
      if (step.step === 'wait') {
        clock += step.ms / 1000;
        continue;
      }
      if (step.step === 'launch') {
        status = must(markLaunched(status, 'created', at(clock)));
        runs += 1;
        status = must(markProgress(status, 'Executing', 'running', at(clock)));
        expect(status.systemFailures).toBe(0);
      } else if (step.step === 'observe') {
        status = must(markFailed(status, systemFailure('Unknown'), policy, at(clock)));
      } else if (step.step === 'relaunch') {
        status = must(markRelaunched(status, at(clock)));
      }
    }
    expect(runs).toBe(21);
    expect(status).toMatchObject({ attempts: 1, relaunches: 20 });
    expect(status.errorState).toMatchObject({
      code: 'MaxSystemFailuresExceeded',
      kind: 'SYSTEM',
      message: expect.stringMatching(/^21 system failures over the action's life \(at most 20/),
    });
  });

  it('takes the ceiling from the policy, and keeps the count across attempts', () => {
    const strict = { ...policy, maxRelaunches: 1 };
    let status = must(markLaunched(must(markQueued({}, at())), 'created', at()));
    status = must(markFailed(status, systemFailure('Unknown'), strict, at()));
    expect(status.relaunches).toBe(1);
    status = must(markRelaunched(status, at(5)));
    status = must(markLaunched(status, 'created', at(5)));
    status = must(markFailed(status, userFailure, strict, at(6)));
    status = must(markLaunched(must(markRelaunched(status, at(6))), 'created', at(6)));
    expect(status).toMatchObject({ attempts: 2, relaunches: 1, systemFailures: 0 });
    expect(phaseOf(must(markFailed(status, systemFailure('Unknown'), strict, at(7))))).toBe(
      'PermanentFailure',
    );
  });
});

describe('rejected specs', () => {
  it('fails at once with the reason as the error code', () => {
    const status = must(markRejected({}, 'InvalidSpec', 'spec.runName: is required', at()));
    expect(phaseOf(status)).toBe('InvalidSpec');
    expect(status.errorState).toEqual({
      code: 'InvalidSpec',
      kind: 'USER',
      message: 'spec.runName: is required',
    });
    expect(nextStep(status, t0)).toEqual({ step: 'done' });
  });
});

describe('a failed look at a live attempt', () => {
  const executing = () =>
    must(
      markProgress(
        must(markLaunched(must(markQueued({}, at())), 'made', at())),
        'Executing',
        'runs',
        at(),
      ),
    );

  it('counts 1, 2, 3 against the system budget keeping the phase and the attempt, then fails for good', () => {
    let status = executing();
    for (const expected of [1, 2, 3]) {
      status = must(
        markObservationFailed(status, systemFailure('Forbidden'), policy, at(expected)),
      );
      expect(status).toMatchObject({ systemFailures: expected, attempts: 1 });
      expect(phaseOf(status)).toBe('Executing');
      expect(nextStep(status, at(expected).now)).toEqual({ step: 'observe' });
    }
    expect(history(status)).toEqual(['Queued', 'Initializing', 'Executing']);
    status = must(markObservationFailed(status, systemFailure('Forbidden'), policy, at(4)));
    expect(phaseOf(status)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' });
  });

  it('is cleared by the execution seen running again', () => {
    const failed = must(
      markObservationFailed(executing(), systemFailure('Forbidden'), policy, at(1)),
    );
    expect(must(markProgress(failed, 'Executing', 'runs', at(2))).systemFailures).toBe(0);
  });

  it("fails a USER failure as the attempt's own, and leaves a finished action alone", () => {
    const failed = must(
      markObservationFailed(executing(), { ...userFailure, retryable: false }, policy, at(1)),
    );
    expect(phaseOf(failed)).toBe('PermanentFailure');
    expect(
      markObservationFailed(failed, systemFailure('Forbidden'), policy, at(2)),
    ).toBeUndefined();
  });
});
