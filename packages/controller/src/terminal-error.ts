import { RoundhouseError } from '@roundhouse/core';

/**
 * An error that retrying cannot fix. A reconciler that throws it is logged and not requeued; the
 * key runs again only when something changes. `reason` is the cause's reason when the cause is
 * a RoundhouseError, so it can go into a status condition as is.
 */
export class TerminalError extends RoundhouseError {
  readonly reason: string;

  constructor(message: string, options?: ErrorOptions & { reason?: string }) {
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
