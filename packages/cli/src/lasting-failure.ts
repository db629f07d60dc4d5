import type { Logger } from '@roundhouse/core';
import { KubernetesApiError, type KubernetesErrorReason } from '@roundhouse/kube';

/** The failures a retry does not mend, with their HTTP status. */
const lasting = new Map<string, number>([
  ['Forbidden', 403],
  ['Unauthorized', 401],
  ['NotFound', 404],
]);

const ignore = () => {};

/**
 * A logger for the CLI's informers that hands over a failure no retry mends. The controller's
 * Informer retries every failure for ever, as a controller should while its RBAC is being fixed;
 * a person at a terminal would watch a frame that never changes. A refusal (a user who may list
 * but not watch, or whose access was taken away) or a CRD that went away reaches `fail` as the
 * API error, for the session to explain; everything else (a dropped connection, a 410) is left
 * to the informer, which resumes.
 */
export function lastingFailureLogger(fail: (error: KubernetesApiError) => void): Logger {
  const warn = (fields: Record<string, unknown>) => {
    const reason = String(fields.reason);
    const status = lasting.get(reason);
    if (status === undefined) return;
    fail(new KubernetesApiError(reason as KubernetesErrorReason, String(fields.error), status));
  };
  return { debug: ignore, info: ignore, warn, error: warn };
}
