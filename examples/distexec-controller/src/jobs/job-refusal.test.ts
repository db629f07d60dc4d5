import {
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
  quotaExceededRefusal,
} from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { isJobRefusal, refusalText } from './job-refusal.js';

/** A 403 for `create Job` whose Status says `message`, as the API server answers it. */
const forbidden = (message: string) =>
  kubernetesErrorFromResponse(
    403,
    { kind: 'Status', reason: 'Forbidden', code: 403, message },
    'create Job distexec-jobs/x',
  );

const quotaAnswer =
  'jobs.batch "x" is forbidden: exceeded quota: jobs, requested: count/jobs.batch=1, used: count/jobs.batch=1, limited: count/jobs.batch=1';
const rbacAnswer =
  'jobs.batch is forbidden: User "system:serviceaccount:ops:distexec" cannot create resource "jobs" in API group "batch" in the namespace "distexec-jobs"';

describe('isJobRefusal', () => {
  // The job executor turns a quota's 403 into a QuotaExceededError before the controller sees it.
  const quotaRefusal = quotaExceededRefusal(forbidden(quotaAnswer), 'Job');

  it('takes a quota refusal as the executor reports it (QuotaExceededError) for a refusal', () => {
    expect(quotaRefusal).toMatchObject({ reason: 'ResourceExhausted' });
    expect(isJobRefusal(quotaRefusal)).toBe(true);
    expect(refusalText(quotaRefusal)).toBe(
      'the API server refused the Job: jobs.batch "x" is forbidden: exceeded quota: jobs, resources: count/jobs.batch',
    );
  });

  it('takes a 403 for a permission the controller lacks for a refusal', () => {
    const denied = forbidden(rbacAnswer);
    expect(isJobRefusal(denied)).toBe(true);
    expect(refusalText(denied)).toBe(`create Job distexec-jobs/x: ${rbacAnswer}`);
  });

  it('keeps the figures out of a quota 403 that reaches it unconverted', () => {
    expect(refusalText(forbidden(quotaAnswer))).toBe(
      'create Job distexec-jobs/x: jobs.batch "x" is forbidden: exceeded quota: jobs, resources: count/jobs.batch',
    );
  });

  it.each([
    ['a 409', kubernetesErrorFromResponse(409, { reason: 'AlreadyExists' }, 'create Job')],
    ['a 422', kubernetesErrorFromResponse(422, { reason: 'Invalid' }, 'create Job')],
    ['a 429', kubernetesErrorFromResponse(429, { reason: 'TooManyRequests' }, 'create Job')],
    ['a 500', kubernetesErrorFromResponse(500, '', 'create Job')],
    [
      'a connection refused',
      kubernetesErrorFromTransport(
        Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        'create Job',
      ),
    ],
    ['an error that is not the API server', new Error('exceeded quota: jobs')],
  ])('does not take %s for a refusal', (_, error) => {
    expect(isJobRefusal(error)).toBe(false);
    expect(refusalText(error)).toBe(error.message);
  });
});
