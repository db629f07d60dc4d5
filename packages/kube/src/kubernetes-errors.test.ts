import { createSecureContext } from 'node:tls';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  classifyKubernetesError,
  isKubernetesError,
  KubernetesApiError,
} from './kubernetes-errors.js';

/** An ApiException as client-node 2.x throws it: raw Status JSON body, headers in the message. */
function apiException(code: number, status: Record<string, unknown> | undefined) {
  const body =
    status === undefined ? undefined : JSON.stringify({ kind: 'Status', code, ...status });
  const headers = { authorization: 'Bearer s3cr3t-token', 'audit-id': 'abc' };
  return new ApiException(
    code,
    `HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${body}\nHeaders: ${JSON.stringify(headers)}`,
    body,
    headers,
  );
}

describe('classifyKubernetesError', () => {
  it.each([
    [404, { reason: 'NotFound', message: 'jobs.batch "wfe-1" not found' }, 'NotFound', false],
    [
      409,
      { reason: 'AlreadyExists', message: 'jobs.batch "wfe-1" already exists' },
      'AlreadyExists',
      false,
    ],
    [409, { reason: 'Conflict', message: 'the object has been modified' }, 'Conflict', true],
    [403, { reason: 'Forbidden', message: 'jobs.batch is forbidden' }, 'Forbidden', false],
    [422, { reason: 'Invalid', message: 'Job.batch "x" is invalid' }, 'Invalid', false],
    [410, { reason: 'Expired', message: 'too old resource version' }, 'Gone', false],
    // client-go's reflector relists on the reason whatever the code (isExpiredError).
    [500, { reason: 'Expired', message: 'too old resource version' }, 'Gone', false],
    [500, { reason: 'Gone', message: 'too old resource version' }, 'Gone', false],
    [
      429,
      { reason: 'TooManyRequests', message: 'slow down', details: { retryAfterSeconds: 3 } },
      'TooManyRequests',
      true,
    ],
    [503, { reason: 'ServiceUnavailable', message: 'unavailable' }, 'Unavailable', true],
    [500, { reason: 'InternalError', message: 'etcd timeout' }, 'InternalError', true],
    [504, { reason: 'Timeout', message: 'timed out' }, 'Timeout', true],
    [401, undefined, 'Unauthorized', false],
    [
      415,
      { reason: 'UnsupportedMediaType', message: 'strategic merge' },
      'UnsupportedMediaType',
      false,
    ],
    // What kube-apiserver answers a body over its 3 MiB limit with: text, no Status.
    [413, undefined, 'RequestEntityTooLarge', false],
  ] as const)('HTTP %d %o -> %s', (code, status, reason, retryable) => {
    const error = classifyKubernetesError(apiException(code, status), 'create Job ns/wfe-1');
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error.reason).toBe(reason);
    expect(error.statusCode).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(isKubernetesError(error, reason)).toBe(true);
  });

  it('tells AlreadyExists from Conflict by the Status reason field, not the message', () => {
    const misleading = apiException(409, {
      reason: 'Conflict',
      message: 'AlreadyExists already exists',
    });
    expect(classifyKubernetesError(misleading, 'op').reason).toBe('Conflict');
  });

  it('keeps the API server message and the field causes of an Invalid error', () => {
    const error = classifyKubernetesError(
      apiException(422, {
        reason: 'Invalid',
        message:
          'Job.batch "wfe-1" is invalid: spec.template.spec.containers[0].image: Required value',
        details: {
          name: 'wfe-1',
          kind: 'Job',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value',
              field: 'spec.template.spec.containers[0].image',
            },
          ],
        },
      }),
      'create Job ns/wfe-1',
    );
    expect(error.message).toBe(
      'create Job ns/wfe-1: Job.batch "wfe-1" is invalid: spec.template.spec.containers[0].image: Required value',
    );
    expect(error.causes).toEqual([
      {
        field: 'spec.template.spec.containers[0].image',
        reason: 'FieldValueRequired',
        message: 'Required value',
      },
    ]);
  });

  it('never carries response headers or the raw exception text', () => {
    const error = classifyKubernetesError(
      apiException(403, { reason: 'Forbidden', message: 'no' }),
      'get Job',
    );
    expect(error.message).not.toContain('s3cr3t-token');
    expect(error.message).not.toContain('Headers');
    expect(JSON.stringify(error)).not.toContain('s3cr3t-token');
    expect(error.cause).toBeUndefined();
  });

  it('carries Retry-After from a 429 Status', () => {
    const error = classifyKubernetesError(
      apiException(429, {
        reason: 'TooManyRequests',
        message: 'x',
        details: { retryAfterSeconds: 7 },
      }),
      'list',
    );
    expect(error.retryAfterSeconds).toBe(7);
  });

  it('takes Retry-After from the header when the Status has none, the Status first', () => {
    const plain = new ApiException(429, 'throttled', 'Too many requests', { 'retry-after': '5' });
    expect(classifyKubernetesError(plain, 'list').retryAfterSeconds).toBe(5);
    const both = new ApiException(
      429,
      'throttled',
      JSON.stringify({ kind: 'Status', code: 429, details: { retryAfterSeconds: 2 } }),
      { 'retry-after': '9' },
    );
    expect(classifyKubernetesError(both, 'list').retryAfterSeconds).toBe(2);
    const date = new ApiException(503, 'x', '', { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' });
    expect(classifyKubernetesError(date, 'list').retryAfterSeconds).toBeUndefined();
  });

  it('classifies an unparseable body by status code alone', () => {
    const error = classifyKubernetesError(
      new ApiException(502, 'bad gateway', '<html>', {}),
      'get',
    );
    expect(error.reason).toBe('Unavailable');
    expect(error.message).toBe('get: HTTP 502');
  });

  it('classifies connection failures by their error code', () => {
    const fetchFailed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
        code: 'ECONNREFUSED',
      }),
    });
    const error = classifyKubernetesError(fetchFailed, 'list Jobs');
    expect(error.reason).toBe('Unavailable');
    expect(error.retryable).toBe(true);
    expect(error.statusCode).toBeUndefined();
    expect(error.message).toBe('list Jobs: API server unreachable (ECONNREFUSED)');
  });

  it('says a connection that broke off after the request went out may have carried it out', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const error = classifyKubernetesError(reset, 'create Job ns/wfe-1');
    expect(error).toMatchObject({ reason: 'Unavailable', retryable: true });
    expect(error.message).toBe(
      'create Job ns/wfe-1: the connection to the API server broke off before the answer was complete (UND_ERR_SOCKET)',
    );
  });

  it('classifies timeouts and unknown failures', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyKubernetesError(timeout, 'watch').reason).toBe('Timeout');
    expect(classifyKubernetesError(new Error('boom'), 'x').reason).toBe('Unknown');
    expect(classifyKubernetesError('not an error', 'x').reason).toBe('Unknown');
  });

  it('returns an already classified error unchanged', () => {
    const error = classifyKubernetesError(apiException(404, { reason: 'NotFound' }), 'get');
    expect(classifyKubernetesError(error, 'again')).toBe(error);
  });
});

describe('a client whose own TLS data cannot be loaded', () => {
  it('says to check the kubeconfig, not that the API server is unreachable', () => {
    let thrown: unknown;
    try {
      createSecureContext({ key: 'not PEM' });
    } catch (error) {
      thrown = error;
    }
    const error = classifyKubernetesError(
      new TypeError('fetch failed', { cause: thrown }),
      'list pods',
    );
    expect(error.reason).toBe('Unknown');
    expect(error.message).toMatch(
      /^list pods: the kubeconfig's TLS data could not be loaded \(ERR_OSSL_[A-Z0-9_]+\); check that its certificate-authority, client-certificate and client-key are PEM/,
    );
    expect(error.message).not.toContain('unreachable');
  });
});
