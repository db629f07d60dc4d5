// The class alone: client-node's root module loads its whole generated API (about 80 MiB).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import {
  classifyTransportError,
  RoundhouseError,
  type TransportFailure,
  type TransportFailureKind,
} from '@roundhouse/core';
import { z } from 'zod';
import { SocksProxyError } from './socks-handshake.js';

/** The machine-readable part of a metav1.Status body. */
const StatusBodySchema = z.looseObject({
  kind: z.literal('Status').optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  code: z.number().optional(),
  details: z
    .looseObject({
      name: z.string().optional(),
      group: z.string().optional(),
      kind: z.string().optional(),
      retryAfterSeconds: z.number().optional(),
      causes: z
        .array(
          z.looseObject({
            reason: z.string().optional(),
            message: z.string().optional(),
            field: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type KubernetesErrorReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Unavailable'
  | 'Timeout'
  | 'Unknown';

const byStatusCode: Readonly<Record<number, KubernetesErrorReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  410: 'Gone',
  // The API server's limit on a request body (3 MiB); the same object is refused again.
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'Unavailable',
  503: 'Unavailable',
  504: 'Timeout',
};

const retryableReasons: ReadonlySet<KubernetesErrorReason> = new Set([
  'Conflict',
  'TooManyRequests',
  'InternalError',
  'Unavailable',
  'Timeout',
]);

export interface KubernetesErrorCause {
  readonly field?: string | undefined;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

/**
 * A failed Kubernetes API call, classified. The message is the API server's Status message
 * (which names the object and field) and never the response headers or request body.
 */
export class KubernetesApiError extends RoundhouseError {
  override readonly retryable: boolean;

  constructor(
    readonly reason: KubernetesErrorReason,
    message: string,
    readonly statusCode: number | undefined,
    readonly causes: readonly KubernetesErrorCause[] = [],
    readonly retryAfterSeconds: number | undefined = undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.retryable = retryableReasons.has(reason);
  }
}

function parseStatusBody(body: unknown): z.infer<typeof StatusBodySchema> | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const parsed = StatusBodySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Response headers as undici and client-node give them: lower-case names. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The seconds of a `Retry-After` header, which client-go reads as a whole number of seconds. The
 * API server's own throttling (priority and fairness, shutdown) sends it with a plain-text or
 * detail-less body, so the Status alone does not say how long to wait.
 */
function retryAfterHeader(headers: ResponseHeaders | undefined): number | undefined {
  const value = headers?.['retry-after'];
  const first = Array.isArray(value) ? value[0] : value;
  return first !== undefined && /^\d+$/.test(first.trim()) ? Number(first.trim()) : undefined;
}

/**
 * The error for an API server answer with a failure status, from the status code, the
 * metav1.Status body (a JSON string or an object) and the headers; the decision uses the code
 * and the Status `reason` field only. `operation` names what was attempted, e.g.
 * "create Job ns/wfe-1234".
 */
export function kubernetesErrorFromResponse(
  statusCode: number,
  body: unknown,
  operation: string,
  headers?: ResponseHeaders,
): KubernetesApiError {
  const status = parseStatusBody(body);
  let reason: KubernetesErrorReason =
    byStatusCode[statusCode] ?? (statusCode >= 500 ? 'InternalError' : 'Unknown');
  // 409 is two different answers: the name is taken (AlreadyExists) or the write raced (Conflict).
  if (statusCode === 409)
    reason = status?.reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  if (statusCode === 504 && status?.reason === 'Timeout') reason = 'Timeout';
  // A resourceVersion or continue token too old to serve: Expired from kube-apiserver 1.18 on,
  // Gone before. client-go tells it by the reason alone (the reflector's isExpiredError), since an
  // ERROR event's Status may carry another code or none; read as a 500, an informer would resume
  // its watch from that resourceVersion again and again instead of listing afresh.
  if (status?.reason === 'Expired' || status?.reason === 'Gone') reason = 'Gone';
  const detail = status?.message ?? `HTTP ${statusCode}`;
  const causes = (status?.details?.causes ?? []).map((c) => ({
    ...(c.field !== undefined ? { field: c.field } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.message !== undefined ? { message: c.message } : {}),
  }));
  return new KubernetesApiError(
    reason,
    `${operation}: ${detail}`,
    statusCode,
    causes,
    status?.details?.retryAfterSeconds ?? retryAfterHeader(headers),
  );
}

const transportReasons: Readonly<Record<TransportFailureKind, KubernetesErrorReason>> = {
  unsent: 'Unavailable',
  interrupted: 'Unavailable',
  timeout: 'Timeout',
  tls: 'Unknown',
  'tls-material': 'Unknown',
  unknown: 'Unknown',
};

function transportMessage(failure: TransportFailure): string {
  switch (failure.kind) {
    case 'unsent':
      return `API server unreachable (${failure.code})`;
    // Not "unreachable": the request may have reached the API server and been carried out.
    case 'interrupted':
      return `the connection to the API server broke off before the answer was complete (${failure.code})`;
    case 'timeout':
      return 'request timed out';
    case 'tls':
      return `the API server's certificate was not accepted (${failure.code}); check the kubeconfig's certificate-authority`;
    case 'tls-material':
      return `the kubeconfig's TLS data could not be loaded (${failure.code}); check that its certificate-authority, client-certificate and client-key are PEM, and that the key matches the certificate`;
    default:
      return 'request failed';
  }
}

function socksProxyError(error: unknown): SocksProxyError | undefined {
  if (error instanceof SocksProxyError) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  return socksProxyError((error as { cause?: unknown }).cause);
}

/** The error for a request that got no answer: unreachable, broken off, timed out, TLS. */
export function kubernetesErrorFromTransport(
  error: unknown,
  operation: string,
): KubernetesApiError {
  const failure = classifyTransportError(error);
  // The proxy's own account names it and what to change; the others are told by their code.
  const detail = socksProxyError(error)?.message ?? transportMessage(failure);
  return new KubernetesApiError(
    transportReasons[failure.kind],
    `${operation}: ${detail}`,
    undefined,
    [],
    undefined,
    { cause: error },
  );
}

/**
 * Classifies anything a Kubernetes call threw: a `KubernetesApiError` as it is, an
 * `ApiException` of `@kubernetes/client-node`'s generated clients (HTTP code in `code`, the raw
 * Status in `body`) by its response, and everything else as a transport failure. For callers
 * of the generated clients; `KubeClient` classifies its own answers directly.
 */
export function classifyKubernetesError(error: unknown, operation: string): KubernetesApiError {
  if (error instanceof KubernetesApiError) return error;
  if (error instanceof ApiException) {
    return kubernetesErrorFromResponse(error.code, error.body, operation, error.headers);
  }
  return kubernetesErrorFromTransport(error, operation);
}

/** Whether `error` is a Kubernetes API failure with the given reason. */
export function isKubernetesError(error: unknown, reason: KubernetesErrorReason): boolean {
  return error instanceof KubernetesApiError && error.reason === reason;
}
