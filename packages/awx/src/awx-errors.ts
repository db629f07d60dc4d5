/**
 * Every way a call to AWX can fail, as values: classified by HTTP status or socket error code,
 * never by message text. Messages name the endpoint and AWX's `detail`; they never contain the
 * token, a request body or a credential input.
 * Past 350 lines: the classes share AwxError's base and the helpers that describe AWX's
 * error bodies, and a controller imports them as one set.
 */
import {
  classifyTransportError,
  type FieldIssue,
  printableText,
  RoundhouseError,
  type TransportFailure,
} from '@roundhouse/core';
import { secretQuoter } from './quoted-secrets.js';
import { ErrorBodySchema } from './schemas.js';

/** Something went wrong talking to AWX. */
export abstract class AwxError extends RoundhouseError {
  /**
   * True when AWX may have acted on the request although no success reached us (a reset after
   * sending, a timeout, a 5xx from a gateway). A non-idempotent request that failed this way
   * must not be repeated blindly: look for its effect first.
   */
  abstract readonly ambiguous: boolean;

  constructor(
    /** Method and path below the API prefix, e.g. `POST job_templates/7/launch/`. */
    readonly endpoint: string,
    message: string,
  ) {
    super(message);
  }
}

export type AwxApiErrorReason =
  | 'AWXBadRequest'
  | 'AWXUnauthorized'
  | 'AWXForbidden'
  | 'AWXNotFound'
  | 'AWXMethodNotAllowed'
  | 'AWXConflict'
  | 'AWXTooManyRequests'
  | 'AWXServerError'
  | 'AWXUnavailable'
  | 'AWXGatewayTimeout'
  | 'AWXUpgrading'
  | 'AWXHTTPError';

const reasonsByStatus: Readonly<Record<number, AwxApiErrorReason>> = {
  400: 'AWXBadRequest',
  401: 'AWXUnauthorized',
  403: 'AWXForbidden',
  404: 'AWXNotFound',
  405: 'AWXMethodNotAllowed',
  409: 'AWXConflict',
  429: 'AWXTooManyRequests',
  500: 'AWXServerError',
  502: 'AWXUnavailable',
  503: 'AWXUnavailable',
  504: 'AWXGatewayTimeout',
};

/**
 * Statuses a later, identical request may not get: overload, gateways, a lock held briefly, and
 * AWX's 500, which its api_exception_handler answers for every exception it does not turn into
 * a 400 (only IntegrityError and FieldError are), a database failover among them. Like any 5xx
 * it is ambiguous, so the transport repeats it only for reads, deletes and cancels, at most
 * `retries` times; the caller of a create looks for its effect instead.
 */
const retryableStatuses = new Set([409, 429, 500, 502, 503, 504]);

/** AWX answered with an error status. */
export class AwxApiError extends AwxError {
  readonly reason: AwxApiErrorReason;
  override readonly retryable: boolean;
  readonly ambiguous: boolean;

  constructor(
    endpoint: string,
    readonly statusCode: number,
    /** AWX's `detail` message, when the body had one. */
    readonly detail: string | undefined,
    /** Field-level validation messages of a 400, e.g. `credentials`, `inputs.password`. */
    readonly fields: readonly FieldIssue[],
    /** `Retry-After`, in seconds, when the response carried one. */
    readonly retryAfterSeconds: number | undefined,
    /** What the answer means, said instead of AWX's words when they are too vague to act on. */
    explanation?: string,
  ) {
    const what =
      explanation ??
      [detail, ...fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message))]
        .filter(Boolean)
        .join('; ');
    super(endpoint, `AWX ${endpoint} answered ${statusCode}${what ? `: ${what}` : ''}`);
    this.reason =
      reasonsByStatus[statusCode] ?? (statusCode >= 500 ? 'AWXServerError' : 'AWXHTTPError');
    this.retryable = retryableStatuses.has(statusCode);
    // 4xx means AWX refused the request; a 5xx may come from a gateway that gave up on an AWX
    // still processing it, and 429 is answered before anything is processed.
    this.ambiguous = statusCode >= 500;
  }
}

/**
 * AWX has no such object (404): one deleted, e.g. a job template replaced under its name, whose
 * every view (detail, `credentials/`, `survey_spec/`, `launch/`) answers 404 from then on.
 */
export function isNotFound(error: unknown): error is AwxApiError {
  return error instanceof AwxApiError && error.statusCode === 404;
}

/**
 * AWX refused a request (403) because the token's user lacks a right on an object: AWX says only
 * "You do not have permission to perform this action.", so the message names the right, the
 * object and how to grant it. A 403 in AWX's own words (a license, a host limit) stays an
 * AwxApiError with those words. It stays an AwxApiError with status 403 (AWXForbidden), so a
 * caller classifying by status code sees what it saw before.
 */
export class AwxPermissionError extends AwxApiError {
  constructor(
    refused: AwxApiError,
    /** The right the user lacks, as AWX's UI names it, e.g. `Execute`. */
    readonly right: string,
    /** The object it lacks it on, e.g. `job template "restart" (id 7)`. */
    readonly object: string,
    fix: string,
  ) {
    super(
      refused.endpoint,
      refused.statusCode,
      refused.detail,
      refused.fields,
      refused.retryAfterSeconds,
      `the AWX user lacks ${right} on ${object}; ${fix}`,
    );
  }
}

const withheld = '(message withheld: it may quote a secret value)';

/** What the request that got the error answer was, as far as its error may show. */
export interface ErrorRequest {
  readonly retryAfterMs?: number | undefined;
  /** Values the request sent that no message may repeat. */
  readonly secrets?: readonly string[] | undefined;
  /**
   * The endpoint's bodies may quote a job's output (stdout), which may print secrets: an error
   * body that is not a JSON object (text, or a JSON string or list) is not shown at all.
   */
  readonly quotesOutput?: boolean | undefined;
}

/**
 * The AwxApiError for an error answer, with DRF's `detail` and field messages from its body, or
 * a short excerpt of a body that is not JSON (AWX's text renderers, a proxy's page). When the
 * request carried `secrets`, messages about `inputs` and any message quoting one of them are
 * withheld: AWX may echo a credential input back, in any of the forms `secretQuoter` knows.
 */
export function apiErrorFromBody(
  endpoint: string,
  statusCode: number,
  body: string,
  request: ErrorRequest,
): AwxApiError {
  const { detail, fields, excerpt, object } = describeErrorBody(body);
  const { retryAfterMs, secrets, quotesOutput } = request;
  const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
  if (quotesOutput && !object && (excerpt ?? detail ?? fields[0]) !== undefined) {
    const why =
      "a body that is not a JSON object, not shown: this endpoint's bodies may quote job output";
    return new AwxApiError(endpoint, statusCode, undefined, [], retryAfterSeconds, why);
  }
  const quotes = secretQuoter(secrets ?? []);
  const shown = detail ?? excerpt;
  // An excerpt is judged by the whole body: it may show only the start of a quoted value.
  const quoted = detail !== undefined ? quotes(detail) : excerpt !== undefined && quotes(body);
  return new AwxApiError(
    endpoint,
    statusCode,
    quoted ? withheld : shown === undefined ? undefined : shownText(shown),
    fields.map((f) => ({
      path: shownText(f.path),
      message:
        secrets && (f.path === 'inputs' || f.path.startsWith('inputs.') || quotes(f.message))
          ? withheld
          : shownText(f.message),
    })),
    retryAfterSeconds,
  );
}

/** How many characters of one of AWX's messages an error shows at most. */
const maxMessage = 1024;

/**
 * One of AWX's messages as an error shows it: what hides in it escaped (`printableText`), cut
 * to `maxMessage` characters. AWX quotes what it was sent, a survey answer the author wrote
 * among them, and the error goes into a status, an Event and the controller's log.
 */
function shownText(text: string): string {
  const chars = [...printableText(text)];
  return chars.length > maxMessage ? `${chars.slice(0, maxMessage).join('')}…` : chars.join('');
}

/** How many characters of an error body that is not JSON its message shows at most. */
const maxExcerpt = 200;

// Whitespace runs (line breaks among them) become one space; then what is left of C0 and C1
// controls, and the invisible format characters that could reorder or hide text in a log line.
const WHITESPACE = /\s+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** One line of at most `maxExcerpt` characters of `text`; undefined when nothing is left. */
export function errorExcerpt(text: string): string | undefined {
  const line = text.replace(WHITESPACE, ' ').replace(CONTROL, '').trim();
  if (line === '') return undefined;
  const chars = [...line];
  return chars.length > maxExcerpt ? `${chars.slice(0, maxExcerpt).join('')}…` : line;
}

/**
 * DRF's error bodies: `{"detail": "..."}`, or messages keyed by field, possibly nested, those
 * about the whole object under `__all__`, which become issues without a path. A view may also
 * answer the detail alone, a JSON string (the launch view's ParseError), or a list of messages
 * (a ValidationError raised with one), whose messages are issues without a path. A body that is
 * not JSON gives its excerpt.
 */
function describeErrorBody(text: string): {
  detail?: string | undefined;
  fields: FieldIssue[];
  excerpt?: string | undefined;
  /** Whether the body is a JSON object, whose text is never shown whole. */
  object: boolean;
} {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const excerpt = errorExcerpt(text);
    return excerpt === undefined
      ? { fields: [], object: false }
      : { fields: [], excerpt, object: false };
  }
  if (typeof value === 'string')
    return value === ''
      ? { fields: [], object: false }
      : { detail: value, fields: [], object: false };
  if (Array.isArray(value)) return { fields: fieldIssues(value, ''), object: false };
  const body = ErrorBodySchema.safeParse(value);
  if (!body.success) return { fields: [], object: false };
  const { detail, ...rest } = body.data;
  const fields = fieldIssues(typeof detail === 'string' ? rest : body.data, '');
  return typeof detail === 'string' ? { detail, fields, object: true } : { fields, object: true };
}

/** AWX's NON_FIELD_ERRORS_KEY (awx/settings/defaults.py): messages about no one field. */
const nonFieldKey = '__all__';

function fieldIssues(value: unknown, path: string): FieldIssue[] {
  if (typeof value === 'string') return [{ path, message: value }];
  if (Array.isArray(value)) return value.flatMap((item) => fieldIssues(item, path));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      fieldIssues(item, key === nonFieldKey ? path : path ? `${path}.${key}` : key),
    );
  }
  return [];
}

/** AWX could not be reached, or the connection broke before an answer arrived. */
export class AwxConnectionError extends AwxError {
  readonly reason = 'AWXUnreachable';
  /** The socket error code, e.g. `ECONNRESET`; `UNKNOWN` when there was none. */
  readonly code: string;
  override readonly retryable: boolean;
  readonly ambiguous: boolean;

  constructor(endpoint: string, failure: TransportFailure) {
    const { code, kind } = failure;
    super(endpoint, `AWX ${endpoint} failed: connection error ${code}`);
    this.code = code;
    this.retryable = kind !== 'unknown';
    this.ambiguous = kind !== 'unsent';
  }
}

/** The server's certificate was not trusted; retrying cannot help, configuration can. */
export class AwxTlsError extends AwxError {
  readonly reason = 'AWXTLSVerificationFailed';
  readonly ambiguous = false;

  constructor(
    endpoint: string,
    readonly code: string,
    /** The client's own caBundle could not be loaded, rather than the server's certificate refused. */
    material = false,
  ) {
    super(
      endpoint,
      material
        ? `AWX ${endpoint} failed: the client's caBundle could not be loaded (${code}); pass PEM certificates`
        : `AWX ${endpoint} failed: the server certificate was not accepted (${code}); pass the ` +
            "CA that signed it as the client's caBundle option",
    );
  }
}

/** Classifies an error thrown by the HTTP stack, by its code (see core's transport errors). */
export function connectionError(
  endpoint: string,
  error: unknown,
): AwxConnectionError | AwxTlsError {
  const failure = classifyTransportError(error);
  if (failure.kind === 'tls' || failure.kind === 'tls-material')
    return new AwxTlsError(endpoint, failure.code, failure.kind === 'tls-material');
  return new AwxConnectionError(endpoint, failure);
}

/** No answer within the client's per-request timeout. */
export class AwxTimeoutError extends AwxError {
  readonly reason = 'AWXTimeout';
  override readonly retryable = true;
  readonly ambiguous = true;

  constructor(
    endpoint: string,
    readonly timeoutMs: number,
  ) {
    super(endpoint, `AWX ${endpoint} did not answer within ${timeoutMs} ms`);
  }
}

/** AWX answered, but not with the shape this client expects. */
export class AwxResponseError extends AwxError {
  readonly reason = 'AWXUnexpectedResponse';
  // A launch whose 201 body cannot be read has still launched.
  readonly ambiguous = true;

  constructor(
    endpoint: string,
    /** Dotted path of the offending field in the body, `''` for the body as a whole. */
    readonly field: string,
    problem: string,
  ) {
    super(
      endpoint,
      `AWX ${endpoint} returned an unexpected body: ${field ? `${field}: ` : ''}${problem}`,
    );
  }
}

/**
 * A 2xx answer longer than the client reads: a page of events with `no_truncate` holds what the
 * playbook printed, without a bound, so its reader asks again for fewer rows.
 */
export class AwxAnswerTooLargeError extends AwxResponseError {
  constructor(
    endpoint: string,
    readonly limitBytes: number,
  ) {
    super(endpoint, '', `larger than ${limitBytes / (1024 * 1024)} MiB`);
  }
}

/**
 * A launch made a workflow job instead of a job: the template slices (`job_slice_count` above
 * 1, JobTemplate.create_unified_job). AWX did launch it, so it must be canceled.
 */
export class AwxWorkflowLaunchError extends AwxError {
  readonly reason = 'AWXLaunchedWorkflowJob';
  readonly ambiguous = false;

  constructor(
    endpoint: string,
    readonly workflowJob: number,
  ) {
    super(endpoint, `AWX ${endpoint} launched workflow job ${workflowJob}, not a job`);
  }
}

/** A name lookup that must find exactly one object found none, or several. */
export class AwxLookupError extends AwxError {
  readonly reason: 'AWXObjectNotFound' | 'AWXAmbiguousName';
  readonly ambiguous = false;

  constructor(
    endpoint: string,
    /** What was looked up, e.g. `job template`. */
    readonly kind: string,
    /** The name that was looked up. */
    readonly objectName: string,
    /** Ids of the objects found; empty when none was. */
    readonly matches: readonly number[],
  ) {
    super(
      endpoint,
      matches.length === 0
        ? `no AWX ${kind} is named "${objectName}"`
        : `${matches.length} AWX ${kind}s are named "${objectName}" (ids ${matches.join(', ')}); ` +
            'names must be unique to be used here',
    );
    this.reason = matches.length === 0 ? 'AWXObjectNotFound' : 'AWXAmbiguousName';
  }
}
