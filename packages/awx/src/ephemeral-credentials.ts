import { ConfigurationError, type Logger, throwIfAborted } from '@roundhouse/core';
import { AwxApiError } from './awx-errors.js';
import type { CredentialStore, CredentialTypeStore } from './awx-roles.js';
import {
  type CredentialPlan,
  ephemeralCredentialPrefix,
  matchesCredentialType,
  versionedCredentialType,
} from './credential-plan.js';
import type { ExecutionIdentity } from './execution-identity.js';
import type { Credential, CredentialType, CredentialTypeRequest } from './schemas.js';

export interface EphemeralCredentialsSettings {
  readonly organizationId: number;
  readonly namePrefix: string;
}

/**
 * The AWX credentials that carry one execution's Secrets and exist only for it. Their names
 * derive from the execution, so they are found, and deleted, without any record of them; a
 * credential type is reused only when it injects exactly the Secret's keys, and never changed.
 */
export class EphemeralCredentials {
  readonly #awx: CredentialStore & CredentialTypeStore;
  readonly #settings: EphemeralCredentialsSettings;
  readonly #log: Logger;

  constructor(
    awx: CredentialStore & CredentialTypeStore,
    settings: EphemeralCredentialsSettings,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#settings = settings;
    this.#log = log;
  }

  /** One credential per plan, in plan order, each of a type that injects exactly its keys. */
  async create(
    identity: ExecutionIdentity,
    plans: readonly CredentialPlan[],
    signal: AbortSignal | undefined,
    operation: string,
  ): Promise<Credential[]> {
    const created: Credential[] = [];
    for (const plan of plans) {
      const type = await this.#credentialType(plan, signal);
      throwIfAborted(signal, operation);
      const credential = await this.#awx.createCredential(
        {
          ...plan.credential,
          organization: this.#settings.organizationId,
          credential_type: type.id,
        },
        { signal },
      );
      this.#log.info(
        { wfe: identity.id, credential: credential.id, name: credential.name, type: type.name },
        'created ephemeral AWX credential',
      );
      created.push(credential);
    }
    return created;
  }

  /** Deletes every credential named for this execution in the configured organization. */
  async deleteAll(identity: ExecutionIdentity, signal: AbortSignal | undefined): Promise<void> {
    const prefix = ephemeralCredentialPrefix(this.#settings.namePrefix, identity);
    const found = await this.#awx.listCredentials(
      { nameStartsWith: prefix, organization: this.#settings.organizationId },
      { signal },
    );
    // Checked here too: a server that ignored the filter must not lead to deleting others'.
    for (const credential of found.filter((c) => c.name.startsWith(prefix))) {
      const deleted = await this.#awx.deleteCredential(credential.id, { signal });
      if (deleted) {
        this.#log.info(
          { wfe: identity.id, credential: credential.id, name: credential.name },
          'deleted ephemeral AWX credential',
        );
      }
    }
  }

  /**
   * A credential type injecting exactly this Secret's keys: the base-named one if it matches,
   * else the one named for the Secret's shape, created when missing. A type is never changed,
   * since running jobs and other executions may use it.
   */
  async #credentialType(plan: CredentialPlan, signal: AbortSignal | undefined) {
    for (const wanted of [plan.type, versionedCredentialType(plan.type)]) {
      const existing = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
      if (existing) {
        if (matchesCredentialType(existing, wanted)) return existing;
        continue;
      }
      return this.#createCredentialType(wanted, signal);
    }
    throw new ConfigurationError({
      path: 'dependencies.secrets',
      message:
        `AWX credential types "${plan.type.name}" and "${versionedCredentialType(plan.type).name}" ` +
        `both exist with other inputs than Secret ${plan.secretName} has; delete the second`,
    });
  }

  async #createCredentialType(
    wanted: CredentialTypeRequest,
    signal: AbortSignal | undefined,
  ): Promise<CredentialType> {
    try {
      const created = await this.#awx.createCredentialType(wanted, { signal });
      this.#log.info(
        { credentialType: created.id, name: created.name },
        'created AWX credential type',
      );
      return created;
    } catch (error) {
      // Another execution may have created it since we looked (AWX refuses the duplicate name).
      if (!(error instanceof AwxApiError) || error.statusCode !== 400) throw error;
      const raced = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
      if (raced && matchesCredentialType(raced, wanted)) return raced;
      throw error;
    }
  }
}
