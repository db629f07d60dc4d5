import { QuotaExceededError } from '@roundhouse/core';
import { KubernetesApiError } from './kubernetes-errors.js';
import { withoutQuotaUsage } from './quota-refusal.js';

/**
 * The cause the ResourceQuota admission plugin gives a create past a quota's hard limit
 * (apiserver's pkg/admission/plugin/resourcequota/controller.go: `exceeded quota: …`), after
 * apimachinery's NewForbidden prefix `<resource> "<name>" is forbidden: `. An RBAC denial is
 * the same NewForbidden (responsewriters.ForbiddenStatusError): status 403, reason Forbidden,
 * details of group, kind and name, no causes, so the Status's structure cannot tell them
 * apart and only this message can. A create's RBAC denial names no object (`jobs.batch is
 * forbidden: User "…" cannot create …`): the authorizer runs before the body is read.
 */
const exceededQuota = /^[^\s"]+ "[^"]*" is forbidden: exceeded quota: /;

/**
 * `error` as a QuotaExceededError when it is the API server's refusal of a create of `kind`
 * because the namespace's quota has no room, quoted without the quota's figures
 * (`withoutQuotaUsage`: a namespace shared by many tenants' executions counts all their
 * objects); any other error as it is, an RBAC denial included.
 */
export function quotaExceededRefusal(error: unknown, kind: string): unknown {
  if (!(error instanceof KubernetesApiError) || error.statusCode !== 403) return error;
  // The client's message is `<operation>: <the API server's Status message>`, and an operation
  // (`create Job <namespace>/<name>`) holds no colon.
  const message = error.message.slice(error.message.indexOf(': ') + 2);
  if (!exceededQuota.test(message)) return error;
  return new QuotaExceededError(
    `the API server refused the ${kind}: ${withoutQuotaUsage(message)}`,
    { cause: error },
  );
}
