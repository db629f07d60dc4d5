import {
  type ActionStatus,
  type Failure,
  markFailed,
  markLaunched,
  markObservationFailed,
  markQueued,
  markRelaunched,
  phaseOf,
} from '@roundhouse/controller';
import { describe, expect, it } from 'vitest';
import { failingAsLastAttempt } from './last-attempt.js';

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = () => ({ now: t0, generation: 1 });
const policy = { maxAttempts: 2 };
const oom: Failure = {
  kind: 'USER',
  code: 'OOMKilled',
  message: 'container main was OOMKilled',
  retryable: true,
};

function must(status: ActionStatus | undefined): ActionStatus {
  if (!status) throw new Error('expected a status');
  return status;
}

/** Attempt `attempt` running, after `systemFailures` system failures in a row. */
function running(attempt: number, systemFailures = 0): ActionStatus {
  let status = must(markQueued({}, at()));
  for (let n = 1; n < attempt; n += 1) {
    status = must(markLaunched(status, 'created', at()));
    status = must(markFailed(status, oom, policy, at()));
    status = must(markRelaunched(status, at()));
  }
  return { ...must(markLaunched(status, 'created', at())), systemFailures };
}

describe('failingAsLastAttempt', () => {
  const fail = failingAsLastAttempt(markFailed);

  it("ends the action with its last attempt's own failure, as Flyte keeps the plugin's error", () => {
    const status = must(fail(running(2, 1), oom, policy, at()));
    expect(phaseOf(status)).toBe('PermanentFailure');
    expect(status.attempts).toBe(2);
    expect(status.systemFailures).toBe(0);
    expect(status.errorState).toEqual({
      code: 'OOMKilled',
      kind: 'USER',
      message: 'container main was OOMKilled',
    });
    expect(status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Failed',
        status: 'True',
        reason: 'PermanentFailure',
        message: 'container main was OOMKilled',
      }),
    );
  });

  it('leaves an attempt with a retry left, and a system failure, to the budgets', () => {
    expect(fail(running(1), oom, policy, at())).toEqual(markFailed(running(1), oom, policy, at()));
    const lost: Failure = {
      kind: 'SYSTEM',
      code: 'ResourceDeletedExternally',
      message: 'gone',
      retryable: true,
    };
    expect(fail(running(2), lost, policy, at())).toEqual(
      markFailed(running(2), lost, policy, at()),
    );
  });

  it("ends a failed look that reports the last attempt's own failure the same way", () => {
    const look = failingAsLastAttempt(markObservationFailed);
    expect(must(look(running(2), oom, policy, at())).errorState?.code).toBe('OOMKilled');
  });
});
