import { z } from 'zod';
import { RoundhouseError } from './errors.js';

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

/** Socket-level failures mean the API server could not be reached; the request may be retried. */
const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export interface KubernetesErrorCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
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

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/**
 * The HTTP status of an ApiException-shaped error. A numeric `code` alone is not enough:
 * DOMException has one too (23 for TimeoutError).
 */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('body' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
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

/**
 * Classifies a failure from `@kubernetes/client-node` (its `ApiException` carries the HTTP code
 * in `code` and the raw Status JSON in `body`; a network failure is a TypeError whose cause has
 * a socket error code). The decision uses the status code and the Status `reason` field only.
 * `operation` names what was attempted, e.g. "create Job ns/wfe-1234".
 */
export function classifyKubernetesError(error: unknown, operation: string): KubernetesApiError {
  if (error instanceof KubernetesApiError) return error;
  const statusCode = httpStatusOf(error);
  if (statusCode === undefined) {
    const code = errorCode(error);
    if (code && connectionErrorCodes.has(code)) {
      return new KubernetesApiError(
        'Unavailable',
        `${operation}: API server unreachable (${code})`,
        undefined,
        [],
        undefined,
        { cause: error },
      );
    }
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new KubernetesApiError(
        'Timeout',
        `${operation}: request timed out`,
        undefined,
        [],
        undefined,
        { cause: error },
      );
    }
    return new KubernetesApiError(
      'Unknown',
      `${operation}: request failed`,
      undefined,
      [],
      undefined,
      { cause: error },
    );
  }
  const status = parseStatusBody((error as { body?: unknown }).body);
  let reason: KubernetesErrorReason =
    byStatusCode[statusCode] ?? (statusCode >= 500 ? 'InternalError' : 'Unknown');
  // 409 is two different answers: the name is taken (AlreadyExists) or the write raced (Conflict).
  if (statusCode === 409)
    reason = status?.reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  if (statusCode === 504 && status?.reason === 'Timeout') reason = 'Timeout';
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
    status?.details?.retryAfterSeconds,
  );
}

/** Whether `error` is a Kubernetes API failure with the given reason. */
export function isKubernetesError(error: unknown, reason: KubernetesErrorReason): boolean {
  return error instanceof KubernetesApiError && error.reason === reason;
}
