import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.js';
import { describeError, waitFor } from './poll.js';

describe('waitFor', () => {
  it('returns the first value that is not false or undefined, retrying through errors', async () => {
    let calls = 0;
    const value = await waitFor(
      'three calls',
      async () => {
        calls++;
        if (calls === 1) throw new Error('not up yet');
        return calls === 3 ? 'ok' : false;
      },
      { timeoutMs: 5_000, intervalMs: 1 },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    const error = await waitFor(
      'the moon',
      async () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 50, intervalMs: 5 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/the moon.*connection refused/);
  });

  it('stops at once when abortIf throws', async () => {
    let probes = 0;
    const error = await waitFor(
      'x',
      async () => {
        probes += 1;
        return false;
      },
      {
        timeoutMs: 10_000,
        abortIf: () => {
          throw new Error('died');
        },
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('died');
    // Stopping at once means no second round of probing, whatever the machine's speed.
    expect(probes).toBeLessThanOrEqual(1);
  });
});

describe('describeError', () => {
  it('keeps the code and server message of an ApiException but not its headers', () => {
    const error = new ApiException(
      403,
      'Forbidden',
      JSON.stringify({ kind: 'Status', message: 'configmaps is forbidden' }),
      { authorization: 'Bearer secret-token' },
    );
    expect(describeError(error)).toBe('HTTP 403: configmaps is forbidden');
  });
});
