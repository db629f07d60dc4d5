import { RoundhouseError } from '@roundhouse/core';

/** Log fields for an error: its message and, for Roundhouse errors, its reason. */
export function describeError(error: unknown): { error: string; reason?: string | undefined } {
  if (!(error instanceof Error)) return { error: String(error) };
  return {
    error: error.message,
    ...(error instanceof RoundhouseError ? { reason: error.reason } : {}),
  };
}
