import { markLaunched, markQueued, phaseOf } from '@roundhouse/controller';
import { maxObjectBytes, storedObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { maxTaskChars, maxTaskStrings, statusWithin } from './action-size.js';

const now = new Date('2026-03-01T10:00:00Z');
const at = { now, generation: 1 };
const queued = markQueued({}, at) ?? {};

/** The largest action the CRD admits, with the most annotations the API server takes. */
function largestAction(): KubeObject {
  const names = Array.from({ length: maxTaskStrings }, (_, i) => `V${String(i).padStart(8, '0')}`);
  const each = Math.floor((maxTaskChars - 2 * names.join('').length) / names.length);
  // `<` is what the API server stores in six bytes: the largest value of its length.
  const env = Object.fromEntries(names.map((name) => [name, '<'.repeat(each)]));
  return {
    metadata: {
      name: 'a'.repeat(253),
      namespace: 'n'.repeat(63),
      uid: '01234567-89ab-cdef-0123-456789abcdef',
      resourceVersion: '123456789',
      generation: 1,
      creationTimestamp: '2026-03-01T09:58:00Z',
      annotations: { a: '<'.repeat(Math.floor(262_144 / 6)) },
      finalizers: ['roundhouse.dev/taskaction-abort'],
    },
    spec: {
      runName: 'r'.repeat(30),
      project: 'p'.repeat(63),
      domain: 'd'.repeat(63),
      actionName: 'a'.repeat(30),
      taskType: 't'.repeat(63),
      taskTemplate: { image: 'registry.invalid/task:1', env },
      inputUri: '<'.repeat(2048),
      runOutputBase: '<'.repeat(2048),
      cacheKey: '<'.repeat(256),
    },
  };
}

describe('statusWithin', () => {
  const small: KubeObject = { metadata: { name: 'a', namespace: 'n' }, spec: {} };

  it('keeps a status the action can hold', () => {
    expect(statusWithin(small, queued, at)).toBe(queued);
  });

  it('fails for good an action whose status would not fit, keeping its counters but no message that made it large', () => {
    const launched = markLaunched(queued, `created ${'E'.repeat(1_600_000)}`, at) ?? {};
    const missed = { ...launched, cacheStatus: 'CACHE_MISS' as const };
    const written = statusWithin(small, missed, at);
    expect(phaseOf(written)).toBe('PermanentFailure');
    expect(written).toMatchObject({
      attempts: 1,
      systemFailures: 0,
      cacheStatus: 'CACHE_MISS',
      errorState: {
        code: 'StatusTooLarge',
        kind: 'USER',
        message: expect.stringMatching(
          /^the action's status would make it \d+ bytes, more than the 1572864 the API server can store: /,
        ),
      },
    });
    expect(written.phaseHistory?.map((h) => h.phase)).toEqual(['PermanentFailure']);
    expect(storedObjectBytes({ ...small, status: written })).toBeLessThan(10_000);
  });

  it('leaves room for the failure on the largest action the CRD admits, whatever status it grew', () => {
    const action = largestAction();
    expect(storedObjectBytes(action)).toBeGreaterThan(1_300_000);
    const launched = markLaunched(queued, 'E'.repeat(400_000), at) ?? {};
    const written = statusWithin(action, launched, at);
    expect(written.errorState?.code).toBe('StatusTooLarge');
    expect(statusWithin(action, written, at)).toBe(written);
    expect(storedObjectBytes({ ...action, status: written })).toBeLessThan(maxObjectBytes);
  });
});
