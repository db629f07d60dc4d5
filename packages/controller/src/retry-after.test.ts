import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { maxRetryAfterMs, retryAfterMs } from './retry-after.js';

describe('retryAfterMs', () => {
  it("reads the wait a Kubernetes error carries, also through a wrapping error's cause", () => {
    const throttled = new KubernetesApiError('TooManyRequests', 'list Job x', 429, [], 3);
    expect(retryAfterMs(throttled)).toBe(3000);
    expect(retryAfterMs(new Error('create failed', { cause: throttled }))).toBe(3000);
  });

  it('is 0 for an error that names no wait, a wait of 0, or something not an error', () => {
    expect(retryAfterMs(new KubernetesApiError('Conflict', 'patch x', 409))).toBe(0);
    expect(retryAfterMs({ retryAfterSeconds: 0 })).toBe(0);
    expect(retryAfterMs({ retryAfterSeconds: Number.NaN })).toBe(0);
    expect(retryAfterMs('boom')).toBe(0);
    expect(retryAfterMs(undefined)).toBe(0);
  });

  it('caps an absurd wait at the longest backoff', () => {
    expect(retryAfterMs({ retryAfterSeconds: 10 ** 9 })).toBe(maxRetryAfterMs);
  });
});
