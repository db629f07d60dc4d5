import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';

/**
 * How an admission plugin's refusal of the Pod reads: apimachinery's NewForbidden words it
 * `pods "<name>" is forbidden: <cause>` with status 403, the same code and reason as an RBAC
 * denial (`pods is forbidden: User "…" cannot create resource "pods" …`, no name: the
 * authorizer runs before the body is read). Only the cause tells them apart.
 */
const admissionForbidden = /^pods "[^"]*" is forbidden: /;

/**
 * The ResourceQuota plugin's refusal of a Pod that lacks the requests or limits a quota counts
 * (`failed quota: <quota>: must specify limits.cpu for: <containers>`): the same Pod is
 * refused on every try until its resources change.
 */
const unmetQuota = /^failed quota: /;

/**
 * The ResourceQuota plugin's refusal while the quota controller has not yet counted a new
 * quota's usage (`status unknown for quota: <quota>, resources: …`): it passes once the count
 * is in, seconds later.
 */
const uncountedQuota = /^status unknown for quota: /;

/** Pod security admission's refusal of a Pod the namespace's enforced profile does not allow. */
const podSecurity = /^violates PodSecurity /;

/**
 * A validating webhook's denial (a policy engine's: Kyverno, Gatekeeper), worded by the API
 * server's ToStatusErr with the code the webhook chose, 403 when it chose none in range.
 */
const webhookDenial = /^admission webhook "[^"]*" denied the request/;

/** A refusal of the Pod that the API server lifts on its own: creating it again may succeed. */
export class PodAdmissionPendingError extends RoundhouseError {
  readonly reason = 'AdmissionPending';
  override readonly retryable = true;
}

/**
 * What a failed create of the Pod means for the execution. A 403 from an admission plugin is no
 * denial of the caller's rights: a quota the Pod does not satisfy, a namespace's pod security
 * profile, a policy webhook refuse the Pod as built, every time, so they are the
 * ConfigurationError they are for the job engine, which reads the same refusals from its Job's
 * events; a quota not yet counted is retried. Anything else (an RBAC denial, a quota with no room
 * left) is left as the API server's error.
 */
export function podCreateRefusal(error: unknown): unknown {
  if (!(error instanceof KubernetesApiError) || error.statusCode !== 403) return error;
  // The client's message is `<operation>: <the API server's Status message>`, and an operation
  // (`create Pod <namespace>/<name>`) holds no colon.
  const message = error.message.slice(error.message.indexOf(': ') + 2);
  if (webhookDenial.test(message)) return refusal('', message, error);
  const cause = message.replace(admissionForbidden, '');
  if (cause === message) return error;
  if (uncountedQuota.test(cause)) {
    return new PodAdmissionPendingError(`the API server refused the Pod for now: ${message}`, {
      cause: error,
    });
  }
  if (unmetQuota.test(cause)) return refusal('spec.workflowRef.resources', message, error);
  if (podSecurity.test(cause)) return refusal('', message, error);
  return error;
}

function refusal(path: string, message: string, cause: KubernetesApiError): ConfigurationError {
  return new ConfigurationError(
    { path, message: `the API server refused the Pod: ${message}` },
    { cause },
  );
}
