/**
 * How a job reaches the Kubernetes API: one credential of AWX's managed type "OpenShift or
 * Kubernetes API Bearer Token" per execution, holding a token of the ServiceAccount the
 * execution runs as (a TokenRequest, never the controller's own token). AWX injects it as
 * K8S_AUTH_HOST, K8S_AUTH_API_KEY, K8S_AUTH_VERIFY_SSL and K8S_AUTH_SSL_CA_CERT, which the
 * `kubernetes.core` modules read. Everything here is pure; KubernetesApiAccess performs it.
 */
import { type ConditionWarning, formatGoDuration } from '@roundhouse/core';
import { z } from 'zod';
import { ephemeralCredentialPrefix } from './credential-plan.js';
import type { ExecutionIdentity } from './execution-identity.js';
import type { KubernetesApiOptions } from './executor-options.js';

/** The executor option, for errors that name it. */
export const kubernetesApiPath = 'ansible.kubernetesApi';

/** How AWX knows its managed type (awx_plugins.credentials.plugins). */
export const kubernetesBearerTokenType = {
  namespace: 'kubernetes_bearer_token',
  kind: 'kubernetes',
} as const;

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** A credential of a type AWX manages: looked up, never created nor changed. */
export interface ManagedCredentialPlan {
  readonly typeId: number;
  /** For log lines. */
  readonly typeName: string;
  readonly credential: {
    readonly name: string;
    readonly description: string;
    /** Holds the token: never logged. */
    readonly inputs: Readonly<Record<string, string | boolean>>;
  };
}

/** The API server refuses a TokenRequest for less (ExpirationSeconds validation). */
const minExpirationSeconds = 600;
/** A job that starts late or ends past its timeout still has the cluster while it runs. */
const marginSeconds = 5 * 60;
/** Without a timeout the controller's default deadline applies; an hour keeps the token short. */
const untimedExpirationSeconds = 60 * 60;

/** The lifetime to ask for: the execution's timeout and five minutes, at least ten minutes. */
export function tokenExpirationSeconds(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return untimedExpirationSeconds;
  return Math.max(minExpirationSeconds, Math.ceil(timeoutMs / 1000) + marginSeconds);
}

/** The body of `POST serviceaccounts/<name>/token`. */
export function tokenRequest(expirationSeconds: number) {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds },
  };
}

/** What a TokenRequest answers; the token is a secret. */
export const TokenRequestStatusSchema = z.object({
  status: z.object({
    token: z.string().min(1),
    expirationTimestamp: z.iso.datetime({ offset: true }),
  }),
});

/** API server and controller clocks may differ this much before a shorter lifetime is told. */
const clockToleranceSeconds = 60;

/** kubernaut's condition for a token shorter than the execution may run (ansible.go). */
const tokenLifetimeCondition = { type: 'TokenTTLInsufficient', reason: 'TokenTTLShortened' };
const tokenLifetimeRisk = 'playbook may receive 401 errors if it outlives the token';

/**
 * A warning when the API server granted less than asked (its --service-account-max-token-
 * expiration caps it): the job may outlive the token. kubernaut's condition and, when the token
 * is shorter than the execution's timeout, kubernaut's words (ansible.go's requestTokenForSA).
 * kubernaut warns only then; Roundhouse asks for five minutes more (an hour without a timeout)
 * and warns whenever it got less than it asked, in words naming what it asked for.
 */
export function tokenLifetimeWarning(
  requestedSeconds: number,
  expirationTimestamp: string,
  requestedAtMs: number,
  timeoutMs: number | undefined,
): ConditionWarning | undefined {
  const grantedSeconds = Math.floor((Date.parse(expirationTimestamp) - requestedAtMs) / 1000);
  if (grantedSeconds >= requestedSeconds - clockToleranceSeconds) return undefined;
  const granted = formatGoDuration(grantedSeconds * 1000);
  if (timeoutMs !== undefined && grantedSeconds * 1000 < timeoutMs) {
    const message = `granted token TTL ${granted} is shorter than execution timeout ${formatGoDuration(timeoutMs)} — ${tokenLifetimeRisk}`;
    return { ...tokenLifetimeCondition, message };
  }
  const asked =
    timeoutMs === undefined
      ? 'no execution timeout'
      : `execution timeout ${formatGoDuration(timeoutMs)} and ` +
        `${formatGoDuration(requestedSeconds * 1000 - timeoutMs)} to spare`;
  const message = `granted token TTL ${granted} is shorter than the ${formatGoDuration(requestedSeconds * 1000)} requested (${asked}) — ${tokenLifetimeRisk}`;
  return { ...tokenLifetimeCondition, message };
}

/**
 * Named under the execution's ephemeral prefix, so it is found and deleted with its Secret
 * credentials; `-k8s-` after the prefix's `-` starts with `-`, which no Secret name can, so it
 * never shares a name with one.
 */
export function kubernetesCredentialName(
  namePrefix: string,
  identity: ExecutionIdentity,
  serviceAccount: string,
): string {
  return `${ephemeralCredentialPrefix(namePrefix, identity)}-k8s-${serviceAccount}`;
}

/** The credential holding `token`; AWX verifies the server only with a CA certificate. */
export function planKubernetesCredential(
  api: NonNullable<KubernetesApiOptions>,
  type: { readonly id: number; readonly name: string },
  identity: ExecutionIdentity,
  namePrefix: string,
  serviceAccount: ServiceAccountRef,
  token: string,
): ManagedCredentialPlan {
  const verify = api.verifySsl && api.caCertificate !== undefined;
  return {
    typeId: type.id,
    typeName: type.name,
    credential: {
      name: kubernetesCredentialName(namePrefix, identity, serviceAccount.name),
      description:
        `Kubernetes API token of ServiceAccount ${serviceAccount.namespace}/${serviceAccount.name} ` +
        `for WorkflowExecution ${identity.id}; deleted when the execution is cleaned up.`,
      inputs: {
        host: api.host,
        bearer_token: token,
        verify_ssl: verify,
        ...(verify ? { ssl_ca_cert: api.caCertificate as string } : {}),
      },
    },
  };
}
