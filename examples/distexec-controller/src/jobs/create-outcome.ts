import { AbortedError, classifyTransportError, type TransportFailureKind } from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';

/** Transport failures of a request that never left this process: nothing was created. */
const unsent: ReadonlySet<TransportFailureKind> = new Set(['unsent', 'tls', 'tls-material']);

/**
 * Whether a create that threw `error` may have made its object all the same: the API server
 * may have carried it out and its answer was lost (a connection broken off, a timeout, a stop
 * mid-request) or it failed after the write (a 5xx). Told by the error's type and status code:
 * any other answer (4xx, 429 included) is the server refusing the create, and an error that
 * is no API answer at all (a spec that cannot be built) was thrown before anything was sent.
 */
export function createOutcomeUnknown(error: unknown): boolean {
  if (error instanceof AbortedError) return true;
  if (!(error instanceof KubernetesApiError)) return false;
  if (error.statusCode !== undefined) return error.statusCode >= 500;
  return !unsent.has(classifyTransportError(error.cause).kind);
}
