import { describe, expect, it } from 'vitest';
import { AwxApiError, AwxConnectionError, AwxTimeoutError } from './awx-errors.js';
import { isRetryable, parseRetryAfter, withRetries } from './retry.js';

const status = (code: number, retryAfterSeconds?: number) =>
  new AwxApiError('GET jobs/1/', code, undefined, [], retryAfterSeconds);

describe('isRetryable', () => {
  it('repeats reads after overload, server and gateway errors, resets and timeouts', () => {
    for (const error of [
      status(429),
      status(500),
      status(502),
      status(503),
      status(504),
      new AwxConnectionError('GET jobs/1/', { kind: 'interrupted', code: 'ECONNRESET' }),
      new AwxTimeoutError('GET jobs/1/', 100),
    ]) {
      expect(isRetryable(error, 'repeatable'), error.message).toBe(true);
    }
    for (const error of [status(400), status(401), status(404), status(501), new Error('x')]) {
      expect(isRetryable(error, 'repeatable')).toBe(false);
    }
  });

  it('repeats a create only when AWX cannot have acted on it', () => {
    for (const error of [
      status(429),
      new AwxConnectionError('POST x/', { kind: 'unsent', code: 'ECONNREFUSED' }),
    ]) {
      expect(isRetryable(error, 'unsent-only'), error.message).toBe(true);
    }
    for (const error of [
      status(500),
      status(503),
      new AwxConnectionError('POST x/', { kind: 'interrupted', code: 'ECONNRESET' }),
      new AwxTimeoutError('POST x/', 100),
    ]) {
      expect(isRetryable(error, 'unsent-only'), error.message).toBe(false);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('withRetries', () => {
  const policy = { retries: 3, minDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 60_000 };

  it('does not wait for a Retry-After beyond the limit, leaving it to the caller', async () => {
    let attempts = 0;
    const error = await withRetries(
      async () => {
        attempts++;
        throw status(503, 120);
      },
      'repeatable',
      policy,
    ).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect(error).toMatchObject({ retryAfterSeconds: 120 });
  });

  it('reports each retry', async () => {
    const retried: number[] = [];
    let attempts = 0;
    const value = await withRetries(
      async () => {
        if (++attempts < 3) throw status(502);
        return 'ok';
      },
      'repeatable',
      policy,
      { onRetry: (_error, attempt) => retried.push(attempt) },
    );
    expect(value).toBe('ok');
    expect(retried).toEqual([1, 2]);
  });
});
