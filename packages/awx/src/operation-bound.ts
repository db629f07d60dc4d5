/**
 * One bound on a whole executor operation. A request is bounded by the client's `timeoutMs`,
 * but an operation makes many (lookups, every page of a list, each retry), and a reconcile that
 * waits on one for ever holds a controller's worker for ever; so each operation gets a deadline
 * of its own, carried to every request as the reason of the signal it is given.
 */
import { AbortedError } from '@roundhouse/core';
import { AwxError } from './awx-errors.js';

/** The executor operation ran past its `operationTimeoutMs`. */
export class AwxOperationTimeoutError extends AwxError {
  readonly reason = 'AWXOperationTimeout';
  override readonly retryable = true;
  // A request it cut short may have been acted on: the next create looks before it launches.
  readonly ambiguous = true;

  constructor(
    /** What the operation was, e.g. `create of ansible execution for WorkflowExecution ns/a`. */
    readonly operation: string,
    readonly timeoutMs: number,
    /** The request it was waiting on, as errors name it (`GET jobs/?page=2`); `''` when none. */
    endpoint: string,
    /** Where that request went, without query, for finding which AWX it was. */
    url: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      endpoint,
      `${operation} did not finish within ${timeoutMs} ms (operationTimeoutMs)` +
        (endpoint === '' ? '' : `; it was waiting on AWX ${endpoint}${url ? ` at ${url}` : ''}`),
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * The reason the signal of a bounded operation aborts with when its time is up. The transport
 * tells it from a caller's abort by its class, and records here the first request it cut short,
 * so the operation's error names what it was waiting on.
 */
export class OperationDeadline {
  #error: AwxOperationTimeoutError | undefined;

  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {}

  /** The error for a request this deadline cut short; the first one is kept. */
  interrupted(endpoint: string, url: URL): AwxOperationTimeoutError {
    const where = new URL(url.pathname, url.origin).href;
    this.#error ??= new AwxOperationTimeoutError(this.operation, this.timeoutMs, endpoint, where);
    return this.#error;
  }

  /** The error the operation ends with: the first request's, or one naming no request. */
  error(cause: unknown): AwxOperationTimeoutError {
    return (
      this.#error ??
      new AwxOperationTimeoutError(this.operation, this.timeoutMs, '', undefined, { cause })
    );
  }
}

/**
 * What a request aborted by `signal` fails with: the operation's timeout when its deadline
 * fired, else the caller's AbortedError.
 */
export function abortFailure(
  signal: AbortSignal,
  endpoint: string,
  url: URL,
): AwxOperationTimeoutError | AbortedError {
  const { reason } = signal;
  if (reason instanceof OperationDeadline) return reason.interrupted(endpoint, url);
  return new AbortedError(`AWX ${endpoint}`, { cause: reason });
}

/** The deadline alone of each bounded operation's signal, for `deadlineOnly`. */
const deadlines = new WeakMap<AbortSignal, AbortSignal>();

/**
 * The bound of the operation `signal` belongs to, without its caller's abort: for what must go
 * on after the caller gave up (finding the job of a launch whose answer was lost) and must still
 * end. `undefined` for a signal no operation bound.
 */
export function deadlineOnly(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal === undefined ? undefined : deadlines.get(signal);
}

/**
 * Runs `run` with a signal that aborts when `caller` does or `timeoutMs` has passed, whichever
 * is first. Past the deadline whatever `run` fails with becomes an AwxOperationTimeoutError (a
 * Kubernetes read it cut short, a cleanup's collected failures), as that is what happened; a
 * caller's abort stays the caller's.
 */
export async function withinBound<T>(
  operation: string,
  timeoutMs: number,
  caller: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new OperationDeadline(operation, timeoutMs);
  const expiry = new AbortController();
  // setTimeout rather than AbortSignal.timeout, so tests' fake timers move it.
  const timer = setTimeout(() => expiry.abort(deadline), timeoutMs);
  timer.unref?.();
  const signal = caller ? AbortSignal.any([caller, expiry.signal]) : expiry.signal;
  deadlines.set(signal, expiry.signal);
  try {
    return await run(signal);
  } catch (error) {
    if (signal.reason === deadline) throw deadline.error(error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
