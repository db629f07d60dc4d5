import { RoundhouseError } from '@roundhouse/core';

/**
 * An error that retrying cannot fix. A reconciler that throws it is logged and not requeued; the
 * key runs again only when something changes. `reason` is the cause's reason when the cause is
 * a RoundhouseError, so it can go into a status condition as is.
 */
export class TerminalError extends RoundhouseError {
  readonly reason: string;

  constructor(message: string, options?: ErrorOptions & { reason?: string | undefined }) {
    super(message, options);
    const cause = options?.cause;
    this.reason =
      options?.reason ?? (cause instanceof RoundhouseError ? cause.reason : 'TerminalError');
  }
}

/** Wraps `cause` so the controller does not retry it; a TerminalError is returned unchanged. */
export function terminalError(cause: unknown): TerminalError {
  if (cause instanceof TerminalError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new TerminalError(message, { cause });
}

/**
 * Whether `error` or any error in its `cause` chain is a TerminalError, as controller-runtime
 * unwraps with `errors.Is`: a reconciler that wraps a terminal failure in its own error to add
 * context still means "do not retry". Bounded, since a cause chain can be a cycle.
 */
export function isTerminalError(error: unknown): boolean {
  for (let seen = error, depth = 0; seen instanceof Error && depth < 8; depth++) {
    if (seen instanceof TerminalError) return true;
    seen = seen.cause;
  }
  return false;
}
