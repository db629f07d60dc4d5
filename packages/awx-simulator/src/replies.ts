/**
 * What a handler answers, as a plain value: the HTTP layer only writes it out. Error bodies use
 * the shapes Django REST Framework gives AWX: `{"detail": "..."}` for request-level errors and a
 * field-keyed dict of message lists for validation errors.
 */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON value, or text when `headers['Content-Type']` says so; `undefined` sends no body. */
  readonly body: unknown;
}

export type FieldErrors = Record<string, unknown>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body };
}

export function text(body: string, headers: Record<string, string> = {}): Reply {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body,
  };
}

export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: undefined };
}

export function detail(status: number, message: string): Reply {
  return json(status, { detail: message });
}

/**
 * A missing object: Django's get_object_or_404 raises Http404 naming the model, and DRF 3.15
 * (AWX 24.3.1 and later) passes that message on as the detail; older AWX, on DRF 3.14, said
 * `Not found.`. `model` is its object_name, e.g. `Job`.
 */
export const notFound = (model: string): Reply =>
  detail(404, `No ${model} matches the given query.`);

/** DRF's PermissionDenied, which AWX's ModelAccessPermission raises when an access check fails. */
export const forbidden = (): Reply =>
  detail(403, 'You do not have permission to perform this action.');

export const badRequest = (errors: FieldErrors): Reply => json(400, errors);

/** The view's `Allow` header is added to every answer of a view, this one too (api.ts). */
export function methodNotAllowed(method: string): Reply {
  return json(405, { detail: `Method "${method}" not allowed.` });
}

/** A validation failure raised by the programmatic API, carrying the body AWX would answer. */
export class AwxValidationError extends Error {
  constructor(readonly errors: FieldErrors) {
    super(`AWX would reject this with 400: ${JSON.stringify(errors)}`);
    this.name = 'AwxValidationError';
  }
}

/**
 * What AWX's code would raise as an unhandled Python exception: AWX answers the request with
 * its handle_500 body, as a client would see it.
 */
export class AwxServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwxServerError';
  }
}

/** awx/main/views.py handle_500, which Django calls for an exception no view handled. */
export const serverError = (): Reply => detail(500, 'A server error has occurred.');
