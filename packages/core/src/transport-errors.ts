/**
 * How a request failed below HTTP, decided by the socket or TLS error code Node and undici
 * attach (looking through `cause`s), never by message text. Every client (the Kubernetes
 * adapter, the AWX client) classifies its transport failures here, so a code is added once.
 */

/**
 * - `unsent`: the request never reached the server (refused, no route, DNS, connect timeout);
 *   repeating it is safe.
 * - `interrupted`: the connection broke after the request may have been written; the server
 *   may have acted on it.
 * - `timeout`: no answer in time; the server may have acted on it.
 * - `tls`: the server's certificate was not accepted; only configuration can fix it.
 * - `tls-material`: the client's own TLS data (a CA bundle, a client certificate or key) could
 *   not be loaded, so nothing was sent; only configuration can fix it.
 * - `unknown`: anything else.
 */
export type TransportFailureKind =
  | 'unsent'
  | 'interrupted'
  | 'timeout'
  | 'tls'
  | 'tls-material'
  | 'unknown';

export interface TransportFailure {
  readonly kind: TransportFailureKind;
  /** The error code, e.g. `ECONNRESET`; `UNKNOWN` when the error carried none. */
  readonly code: string;
}

const unsentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const interruptedCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // HTTP/2, the Kubernetes client's default: a stream reset (RST_STREAM, whatever its error
  // code: REFUSED_STREAM is told apart only in the message), a session torn down by a GOAWAY
  // with an error, and undici's notice that a stream closed before its answer was complete.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'UND_ERR_INFO',
  // A body that ended before the length its headers announced: the stream was reset partway
  // (Go's server announces the length of every small answer).
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** OpenSSL's certificate verification failures, as Node reports them. */
const tlsCodes = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * OpenSSL's own errors, as Node codes them (`ERR_OSSL_<library>_<reason>`: PEM without its
 * start line, a key no decoder reads, a certificate that does not match its key): raised while
 * the TLS context is built from the client's data, before anything is sent. Node codes a
 * handshake's failures otherwise (ERR_SSL_*, or the verification codes above).
 */
const isOpenSslCode = (code: string) => code.startsWith('ERR_OSSL_');

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // A connect to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an
  // AggregateError holding one error per address.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errorCode(inner);
      if (found) return found;
    }
  }
  return errorCode((error as { cause?: unknown }).cause);
}

/** Whether `error` (or a cause) is a timer firing: AbortSignal.timeout's TimeoutError. */
function isTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { name?: unknown }).name === 'TimeoutError') return true;
  return isTimeout((error as { cause?: unknown }).cause);
}

/** Classifies an error thrown by an HTTP stack before any response arrived. */
export function classifyTransportError(error: unknown): TransportFailure {
  const code = errorCode(error);
  if (code && tlsCodes.has(code)) return { kind: 'tls', code };
  if (code && isOpenSslCode(code)) return { kind: 'tls-material', code };
  if (code && unsentCodes.has(code)) return { kind: 'unsent', code };
  if (isTimeout(error)) return { kind: 'timeout', code: code ?? 'TIMEOUT' };
  if (code && interruptedCodes.has(code)) return { kind: 'interrupted', code };
  return { kind: 'unknown', code: code ?? 'UNKNOWN' };
}
