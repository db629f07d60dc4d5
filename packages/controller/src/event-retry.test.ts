import { AbortedError } from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { eventRetry } from './event-retry.js';

const alreadyExists = new KubernetesApiError(
  'AlreadyExists',
  'events "wfe-1.x7k2p" already exists, the server was not able to generate a unique name for the object',
  409,
  [],
  1,
);
const unavailable = new KubernetesApiError('Unavailable', 'etcd leader changed', 503);
const forbidden = new KubernetesApiError('Forbidden', 'events is forbidden', 403);

describe('eventRetry', () => {
  it('sends a server-named Event again at once when the name drawn was taken, twice at most', () => {
    expect(eventRetry(alreadyExists, false, 0)).toEqual({ action: 'retry', afterMs: 0 });
    expect(eventRetry(alreadyExists, false, 1)).toEqual({ action: 'retry', afterMs: 0 });
    expect(eventRetry(alreadyExists, false, 2)).toEqual({ action: 'give-up' });
  });

  it('never sends a server-named Event again after a failure that may have created it', () => {
    for (const error of [unavailable, forbidden, new AbortedError('create Event')])
      expect(eventRetry(error, false, 0)).toEqual({ action: 'give-up' });
  });

  it('takes an Event it named that exists as recorded, and retries one after a passing failure', () => {
    expect(eventRetry(alreadyExists, true, 0)).toEqual({ action: 'exists' });
    expect(eventRetry(unavailable, true, 0)).toEqual({ action: 'retry', afterMs: 200 });
    expect(eventRetry(unavailable, true, 1)).toEqual({ action: 'retry', afterMs: 1_000 });
    expect(eventRetry(unavailable, true, 2)).toEqual({ action: 'give-up' });
    expect(eventRetry(forbidden, true, 0)).toEqual({ action: 'give-up' });
  });
});
