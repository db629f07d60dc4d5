import { createSecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { classifyTransportError } from './transport-errors.js';

const withCode = (code: string) => Object.assign(new Error('socket'), { code });

describe('classifyTransportError', () => {
  it('tells a request that never left from one that broke off after sending', () => {
    expect(classifyTransportError(withCode('ECONNREFUSED'))).toEqual({
      kind: 'unsent',
      code: 'ECONNREFUSED',
    });
    expect(classifyTransportError(withCode('ECONNRESET')).kind).toBe('interrupted');
  });

  it("finds the code in a fetch TypeError's cause chain", () => {
    const error = new TypeError('fetch failed', {
      cause: new Error('x', { cause: withCode('UND_ERR_SOCKET') }),
    });
    expect(classifyTransportError(error)).toEqual({ kind: 'interrupted', code: 'UND_ERR_SOCKET' });
  });

  it('finds the code inside an AggregateError, as a connect to localhost raises it', () => {
    const error = new TypeError('fetch failed', {
      cause: new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    });
    expect(classifyTransportError(error)).toEqual({ kind: 'unsent', code: 'ECONNREFUSED' });
  });

  it('reports a reset HTTP/2 stream or session as interrupted, so a retry follows', () => {
    // What undici rejects with when the server resets the stream or sends GOAWAY with an error.
    for (const code of ['ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'UND_ERR_INFO']) {
      expect(classifyTransportError(withCode(code))).toEqual({ kind: 'interrupted', code });
    }
  });

  it('reports certificate failures as tls, which no retry fixes', () => {
    expect(classifyTransportError(withCode('SELF_SIGNED_CERT_IN_CHAIN')).kind).toBe('tls');
  });

  it('reports TLS data the client could not load as tls-material, which no retry fixes', () => {
    for (const material of [{ cert: 'not PEM' }, { key: 'not PEM' }]) {
      let thrown: unknown;
      try {
        createSecureContext(material);
      } catch (error) {
        thrown = error;
      }
      // As undici passes it on: the connect's failure, OpenSSL's error as its cause.
      const failure = classifyTransportError(new TypeError('fetch failed', { cause: thrown }));
      expect(failure.kind).toBe('tls-material');
      expect(failure.code).toMatch(/^ERR_OSSL_/);
    }
  });

  it("reports AbortSignal.timeout's TimeoutError as a timeout", () => {
    const error = new TypeError('fetch failed', {
      cause: new DOMException('timed out', 'TimeoutError'),
    });
    expect(classifyTransportError(error).kind).toBe('timeout');
  });

  it('says unknown, with no code, for anything else', () => {
    expect(classifyTransportError(new Error('boom'))).toEqual({ kind: 'unknown', code: 'UNKNOWN' });
  });
});
