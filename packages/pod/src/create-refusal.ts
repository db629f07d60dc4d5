import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import { KubernetesApiError, quotaExceededRefusal } from '@roundhouse/kube';

/**
 * How an admission plugin's refusal of the Pod reads: apimachinery's NewForbidden words it
 * `pods "<name>" is forbidden: <cause>` with status 403, the same code and reason as an RBAC
 * denial (`pods is forbidden: User "…" cannot create resource "pods" …`, no name: the
 * authorizer runs before the body is read). Only the cause tells them apart.
 */
const admissionForbidden = /^pods "[^"]*" is forbidden: /;

/**
 * The ResourceQuota plugin's refusal of a Pod that lacks the requests or limits a quota counts
 * (`failed quota: <quota>: must specify limits.cpu for: <containers>`): the Pod's resources are
 * what to change.
 */
const unmetQuota = /^failed quota: /;

/**
 * The ResourceQuota plugin's refusal while the quota controller has not yet counted a new
 * quota's usage (`status unknown for quota: <quota>, resources: …`): it passes once the count
 * is in, seconds later.
 */
const uncountedQuota = /^status unknown for quota: /;

/**
 * A validating webhook's denial (a policy engine's: Kyverno, Gatekeeper), worded by the API
 * server's ToStatusErr with the code the webhook chose (400 when it chose none below 400), and
 * refused the same way on every try. A 400 is a ConfigurationError already; a 403 is not.
 */
const webhookDenial = /^admission webhook "[^"]*" denied the request/;

/** A refusal of the Pod that the API server lifts on its own: creating it again may succeed. */
export class PodAdmissionPendingError extends RoundhouseError {
  readonly reason = 'AdmissionPending';
  override readonly retryable = true;
}

/**
 * What a failed create of the Pod means for the execution. A 403 of an admission plugin is no
 * denial of the caller's rights: the namespace's pod security profile, its LimitRange, a quota
 * the Pod does not satisfy, a missing ServiceAccount, a policy webhook refuse the Pod as built,
 * every time, so each is the ConfigurationError it is for the job engine, which reads the same
 * refusals from its Job's events. A quota with no room left is a QuotaExceededError
 * (`ResourceExhausted`), one not yet counted is retried, and an RBAC denial stays the API
 * server's error.
 */
export function podCreateRefusal(error: unknown): unknown {
  if (!(error instanceof KubernetesApiError) || error.statusCode !== 403) return error;
  // A quota with no room left: the namespace is out of room, not the Pod wrong, as for every
  // engine's create (`ResourceExhausted`, quoted without the namespace's usage).
  const quota = quotaExceededRefusal(error, 'Pod');
  if (quota !== error) return quota;
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
  return refusal(unmetQuota.test(cause) ? 'spec.workflowRef.resources' : '', message, error);
}

function refusal(path: string, message: string, cause: KubernetesApiError): ConfigurationError {
  return new ConfigurationError(
    { path, message: `the API server refused the Pod: ${message}` },
    { cause },
  );
}
