import { AbortedError, ConfigurationError } from '@roundhouse/core';
import { kubernetesErrorFromResponse, kubernetesErrorFromTransport } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { createOutcomeUnknown } from './create-outcome.js';

/** A socket error with `code`, as Node's net module throws. */
function codeError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

const answered = (code: number) => kubernetesErrorFromResponse(code, '', 'create Job');
const unanswered = (error: unknown) => kubernetesErrorFromTransport(error, 'create Job');

describe('createOutcomeUnknown', () => {
  it.each([
    ['a 500', answered(500)],
    ['a 503', answered(503)],
    ['a 504', answered(504)],
    ['a connection broken off', unanswered(codeError('ECONNRESET'))],
    [
      'a request timeout',
      unanswered(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ],
    ['an unclassified transport failure', unanswered(new Error('boom'))],
    ['a stop mid-request', new AbortedError('create Job')],
  ])('calls the outcome of %s unknown: the Job may exist', (_, error) => {
    expect(createOutcomeUnknown(error)).toBe(true);
  });

  it.each([
    ['a 429', answered(429)],
    ['a 403', answered(403)],
    ['a 409', answered(409)],
    ['a 422', answered(422)],
    ['a connection refused', unanswered(codeError('ECONNREFUSED'))],
    ['a certificate not accepted', unanswered(codeError('SELF_SIGNED_CERT_IN_CHAIN'))],
    ['a Job that cannot be built', new ConfigurationError({ path: 'spec', message: 'bad' })],
  ])('calls %s answered: no Job was made', (_, error) => {
    expect(createOutcomeUnknown(error)).toBe(false);
  });
});
