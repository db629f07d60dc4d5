import { noopLogger } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { FailingWatchError, failingWatchLogger, followLogger } from './failing-watch.js';

/** The informer's warnings, `everyMs` apart on an injected clock, until `forMs` has passed. */
function failEvery(everyMs: number, forMs: number, gapAtMs?: number) {
  let clock = 0;
  const failed: string[] = [];
  const logger = failingWatchLogger(noopLogger, (last) => failed.push(last), {
    limitMs: 5 * 60_000,
    now: () => clock,
  });
  for (let at = 0; at <= forMs; at += everyMs) {
    // One retry went through: a minute and more without a failure.
    if (gapAtMs !== undefined && at === gapAtMs) at += 90_000;
    clock = at;
    logger.warn(
      { reason: 'ServiceUnavailable', error: `down at ${at}` },
      'watch failed; restarting',
    );
  }
  return failed;
}

describe('failingWatchLogger', () => {
  it('ends a follow whose lists and watches kept failing for the limit, with the last failure', () => {
    expect(failEvery(30_000, 4.5 * 60_000)).toEqual([]);
    expect(failEvery(30_000, 5 * 60_000)).toEqual(['down at 300000']);
  });

  it('starts counting anew after a retry went through', () => {
    expect(failEvery(30_000, 6 * 60_000, 3 * 60_000)).toEqual([]);
  });

  it('lets a handler that threw go by: that is no failure of the cluster', () => {
    let clock = 0;
    const failed: string[] = [];
    const logger = failingWatchLogger(noopLogger, (last) => failed.push(last), {
      now: () => clock,
    });
    for (; clock <= 10 * 60_000; clock += 10_000) {
      logger.error({ event: 'update', error: 'boom' }, 'informer handler threw');
    }
    expect(failed).toEqual([]);
  });
});

describe('followLogger', () => {
  it('hands over a refusal at once, as before', () => {
    const failed: unknown[] = [];
    followLogger('https://k8s:6443', (e) => failed.push(e)).warn(
      { reason: 'Forbidden', error: 'watch is forbidden' },
      'watch failed; restarting',
    );
    expect(failed).toMatchObject([{ reason: 'Forbidden', statusCode: 403 }]);
  });
});

describe('FailingWatchError', () => {
  it('names the server, how long, the last failure and what to check', () => {
    expect(
      formatError(new FailingWatchError('https://k8s:6443', 5 * 60_000, 'connect ECONNREFUSED')),
    ).toBe(
      'error: every list and watch at https://k8s:6443 has failed for 5 min; the last: connect ECONNREFUSED\n' +
        'fix: check that the cluster runs and this machine reaches it (kubectl get --raw /readyz); what was followed goes on without this command, follow it again once the cluster answers\n',
    );
  });
});
