import {
  type ConditionWarning,
  ConfigurationError,
  type Conventions,
  type Logger,
  RoundhouseError,
  requestedServiceAccount,
  serviceAccountField,
  type WorkflowExecution,
} from '@roundhouse/core';
import { isKubernetesError, type KubeClient, resources } from '@roundhouse/kube';
import type { ManagedCredentialTypeReader } from './awx-roles.js';
import type { ExecutionIdentity } from './execution-identity.js';
import type { KubernetesApiOptions } from './executor-options.js';
import {
  kubernetesApiPath,
  kubernetesBearerTokenType,
  type ManagedCredentialPlan,
  planKubernetesCredential,
  TokenRequestStatusSchema,
  tokenExpirationSeconds,
  tokenLifetimeWarning,
  tokenRequest,
} from './kubernetes-credential.js';
import type { CredentialType } from './schemas.js';
import { TtlCache } from './ttl-cache.js';

export interface KubernetesApiAccessSettings {
  readonly kubernetesApi: NonNullable<KubernetesApiOptions>;
  readonly namePrefix: string;
  readonly conventions: Conventions;
  readonly cacheTtlMs: number;
  readonly now: () => number;
}

/** The API server answered a TokenRequest without a token; its answer is not repeated. */
export class TokenRequestUnansweredError extends RoundhouseError {
  readonly reason = 'TokenRequestUnanswered';
  override readonly retryable = true;

  constructor(serviceAccount: string) {
    super(
      `the API server answered the TokenRequest of ServiceAccount ${serviceAccount} without a token`,
    );
  }
}

/**
 * The credential that gives an execution's AWX job the Kubernetes API as the execution's
 * ServiceAccount: AWX's managed bearer-token type, looked up and never created, and a token
 * from a TokenRequest in the execution namespace.
 */
export class KubernetesApiAccess {
  readonly #awx: ManagedCredentialTypeReader;
  readonly #kube: Pick<KubeClient, 'create'>;
  readonly #settings: KubernetesApiAccessSettings;
  readonly #log: Logger;
  readonly #types: TtlCache<CredentialType | null>;

  constructor(
    awx: ManagedCredentialTypeReader,
    kube: Pick<KubeClient, 'create'>,
    settings: KubernetesApiAccessSettings,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#kube = kube;
    this.#settings = settings;
    this.#log = log;
    this.#types = new TtlCache(settings.cacheTtlMs, settings.now);
  }

  /**
   * The credential to create for `wfe`, and a warning when the token lives shorter than the
   * execution may run. The type is checked first, so an AWX without it mints no token.
   */
  async plan(
    wfe: WorkflowExecution,
    namespace: string,
    identity: ExecutionIdentity,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ plan: ManagedCredentialPlan; warnings: ConditionWarning[] }> {
    const type = await this.#type(signal);
    const { conventions, kubernetesApi, namePrefix, now } = this.#settings;
    const name = requestedServiceAccount(wfe) ?? conventions.defaultServiceAccountName;
    const serviceAccount = { namespace, name };
    const seconds = tokenExpirationSeconds(timeoutMs);
    const requestedAt = now();
    let answer: unknown;
    try {
      ({ object: answer } = await this.#kube.create(
        resources.serviceAccounts,
        namespace,
        tokenRequest(seconds),
        { signal, subresource: { name, subresource: 'token' } },
      ));
    } catch (error) {
      if (!isKubernetesError(error, 'NotFound')) throw error;
      throw new ConfigurationError(
        {
          path: requestedServiceAccount(wfe) ? serviceAccountField(wfe) : kubernetesApiPath,
          message:
            `ServiceAccount ${namespace}/${name} does not exist, so no TokenRequest can make ` +
            'the Kubernetes API token for the AWX job',
        },
        { cause: error },
      );
    }
    const parsed = TokenRequestStatusSchema.safeParse(answer);
    if (!parsed.success) throw new TokenRequestUnansweredError(`${namespace}/${name}`);
    const { token, expirationTimestamp } = parsed.data.status;
    this.#log.info(
      { wfe: identity.id, serviceAccount: `${namespace}/${name}`, expirationTimestamp },
      'requested a Kubernetes API token for the AWX job',
    );
    const warning = tokenLifetimeWarning(seconds, expirationTimestamp, requestedAt, timeoutMs);
    return {
      plan: planKubernetesCredential(
        kubernetesApi,
        type,
        identity,
        namePrefix,
        serviceAccount,
        token,
      ),
      warnings: warning ? [warning] : [],
    };
  }

  async #type(signal: AbortSignal | undefined): Promise<CredentialType> {
    const { namespace, kind } = kubernetesBearerTokenType;
    const found = await this.#types.get(`${kind}/${namespace}`, () =>
      this.#awx.findManagedCredentialType(namespace, kind, { signal }),
    );
    if (found.value) return found.value;
    // AWX may gain it (an upgrade): not remembered as missing.
    this.#types.forget(`${kind}/${namespace}`);
    throw new ConfigurationError({
      path: kubernetesApiPath,
      message:
        `AWX has no managed credential type "${namespace}" of kind "${kind}" (OpenShift or ` +
        'Kubernetes API Bearer Token), which the job needs to reach the Kubernetes API; use an ' +
        'AWX that has it, or unset the option',
    });
  }
}
