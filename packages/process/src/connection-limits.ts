import { ConfigurationError, type FieldIssue } from '@roundhouse/core';

/**
 * What callers may hold of the agent. Each connection holds a file descriptor of the
 * agent's, which also writes its tasks' records and logs: without a cap, a caller that opens
 * connections and sends nothing (slowloris) would run it out of descriptors, and with them out
 * of the means to record its tasks. The timeouts bound how long a held connection lasts, so
 * the cap is reached only by a caller that keeps opening new ones.
 */
export interface ConnectionLimits {
  /** Connections open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number;
  /**
   * From a connection's opening, or the end of its previous request, to the end of its
   * request's headers; past it the agent answers `408` and closes the connection.
   */
  readonly headersTimeoutMs: number;
  /**
   * From the same start to the end of the request's body. It bounds receiving the request
   * only: an answer the agent takes longer to give is not cut.
   */
  readonly requestTimeoutMs: number;
  /** How long a kept-alive connection may wait idle for its next request. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * The callers are the process engine and, in sidecar mode, the workload beside the agent: a
 * few connections each. Requests are small JSON, so their headers arrive in one packet and
 * their bodies (1 MiB at most) well within the 30 s of OpenSandbox's read timeout.
 */
export const defaultConnectionLimits: ConnectionLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/**
 * The limits with the defaults filled in. Node refuses a headers timeout longer than the
 * request timeout, which bounds the headers too; refused here first, naming the options.
 */
export function connectionLimits(given: Partial<ConnectionLimits> | undefined): ConnectionLimits {
  const limits: ConnectionLimits = { ...defaultConnectionLimits };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value !== undefined) Object.assign(limits, { [key]: value });
  }
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      issues.push({ path: `connections.${key}`, message: 'must be a positive whole number' });
    }
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    issues.push({
      path: 'connections.headersTimeoutMs',
      message: `must not exceed requestTimeoutMs (${limits.requestTimeoutMs}), which bounds the headers too`,
    });
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  return limits;
}
