/**
 * The longest wait a server's Retry-After may impose on a key: the default rate limiter's own
 * longest backoff, so a proxy that answers with an absurd value cannot park a key for years.
 */
export const maxRetryAfterMs = 1_000_000;

/**
 * How long the server that refused a request asked to be left alone, in milliseconds, or 0.
 * Read from `retryAfterSeconds`, which the Kubernetes and AWX clients' errors carry from the
 * answer's Status or `Retry-After` header, looking through `cause`s, since an engine may wrap
 * the client's error in its own.
 */
export function retryAfterMs(error: unknown): number {
  for (
    let seen = error, depth = 0;
    typeof seen === 'object' && seen !== null && depth < 8;
    depth++
  ) {
    const seconds = (seen as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)
      return Math.min(seconds * 1000, maxRetryAfterMs);
    seen = (seen as { cause?: unknown }).cause;
  }
  return 0;
}
