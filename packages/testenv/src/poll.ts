import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';
import { WaitTimeoutError } from './errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number | undefined;
  /** Called before every probe; throwing ends the wait at once (e.g. the process died). */
  abortIf?: (() => void) | undefined;
}

/**
 * Polls `probe` until it returns a value other than `undefined` or `false`. Errors thrown by the
 * probe count as "not yet": a server that is still starting refuses connections.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    options.abortIf?.();
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
      throw new WaitTimeoutError(
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${description}${cause}`,
      );
    }
    await sleep(interval);
  }
}

/**
 * A one-line summary of an error. ApiException's own message embeds the response headers, which
 * may carry credentials, so only its code and the server's Status message are kept.
 */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    return `HTTP ${error.code}${statusMessage(error.body)}`;
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

function statusMessage(body: unknown): string {
  if (typeof body !== 'string') return '';
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === 'string' ? `: ${status.message}` : '';
  } catch {
    return '';
  }
}
