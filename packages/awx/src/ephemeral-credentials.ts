import { ConfigurationError, type Logger, throwIfAborted } from '@roundhouse/core';
import { AwxApiError } from './awx-errors.js';
import { credentialRefusal } from './awx-permissions.js';
import type { CredentialStore, CredentialTypeStore } from './awx-roles.js';
import {
  type CredentialPlan,
  ephemeralCredentialPrefix,
  matchesCredentialType,
  versionedCredentialType,
} from './credential-plan.js';
import type { ExecutionIdentity } from './execution-identity.js';
import type { ManagedCredentialPlan } from './kubernetes-credential.js';
import type { Credential, CredentialType, CredentialTypeRequest } from './schemas.js';
import { TtlCache } from './ttl-cache.js';

export interface EphemeralCredentialsSettings {
  readonly organizationId: number;
  readonly namePrefix: string;
  /** How long a credential type found or made is reused without asking AWX again. */
  readonly cacheTtlMs: number;
  readonly now: () => number;
}

/**
 * The AWX credentials that carry one execution's Secrets (and its Kubernetes API token, when
 * the engine gives jobs one) and exist only for it. Their names
 * derive from the execution, so they are found, and deleted, without any record of them; a
 * credential type is reused only when it injects exactly the Secret's keys, and never changed.
 */
export class EphemeralCredentials {
  readonly #awx: CredentialStore & CredentialTypeStore;
  readonly #settings: EphemeralCredentialsSettings;
  readonly #log: Logger;
  readonly #types: TtlCache<CredentialType>;

  constructor(
    awx: CredentialStore & CredentialTypeStore,
    settings: EphemeralCredentialsSettings,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#settings = settings;
    this.#log = log;
    this.#types = new TtlCache(settings.cacheTtlMs, settings.now);
  }

  /**
   * One credential per plan, in plan order, each of a type that injects exactly its keys. Each
   * is added to `created` as soon as AWX made it, so a caller that sees this fail part-way knows
   * what to delete.
   */
  async create(
    identity: ExecutionIdentity,
    plans: readonly (CredentialPlan | ManagedCredentialPlan)[],
    created: Credential[],
    signal: AbortSignal | undefined,
    operation: string,
  ): Promise<void> {
    for (const plan of plans) {
      if ('typeId' in plan) {
        throwIfAborted(signal, operation);
        const credential = await this.#createCredential(plan.credential, plan.typeId, signal);
        this.#logCreated(identity, credential, plan.typeName);
        created.push(credential);
        continue;
      }
      let type = await this.#credentialType(plan, signal);
      throwIfAborted(signal, operation);
      let credential: Credential;
      try {
        credential = await this.#createCredential(plan.credential, type.value.id, signal);
      } catch (error) {
        // A type remembered from an earlier launch may have been deleted since (AWX: 400,
        // invalid pk); a 400 creates nothing, so one more try with what AWX has now is safe.
        if (!type.cached || !(error instanceof AwxApiError) || error.statusCode !== 400)
          throw error;
        this.#types.forget(typeKey(plan.type));
        this.#types.forget(typeKey(versionedCredentialType(plan.type)));
        type = await this.#credentialType(plan, signal);
        throwIfAborted(signal, operation);
        credential = await this.#createCredential(plan.credential, type.value.id, signal);
      }
      this.#logCreated(identity, credential, type.value.name);
      created.push(credential);
    }
  }

  #logCreated(identity: ExecutionIdentity, credential: Credential, type: string): void {
    this.#log.info(
      { wfe: identity.id, credential: credential.id, name: credential.name, type },
      'created ephemeral AWX credential',
    );
  }

  /**
   * Deletes every credential named for this execution in the configured organization, and the
   * `known` ids besides (one whose listing lags). A failure does not stop the others: every
   * failure is returned, and nothing is thrown.
   */
  async deleteAll(
    identity: ExecutionIdentity,
    known: readonly number[],
    signal: AbortSignal | undefined,
  ): Promise<unknown[]> {
    const failures: unknown[] = [];
    const prefix = ephemeralCredentialPrefix(this.#settings.namePrefix, identity);
    const ids = new Set(known);
    try {
      const found = await this.#awx.listCredentials(
        { nameStartsWith: prefix, organization: this.#settings.organizationId },
        { signal },
      );
      // Checked here too: a server that ignored the filter must not lead to deleting others'.
      for (const credential of found.filter((c) => c.name.startsWith(prefix)))
        ids.add(credential.id);
    } catch (error) {
      failures.push(error);
    }
    failures.push(...(await this.deleteIds(identity, [...ids], signal)));
    return failures;
  }

  /** Deletes each credential by id, going on after a failure; returns every failure. */
  async deleteIds(
    identity: ExecutionIdentity,
    ids: readonly number[],
    signal: AbortSignal | undefined,
  ): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const id of ids) {
      try {
        if (await this.#awx.deleteCredential(id, { signal })) {
          this.#log.info({ wfe: identity.id, credential: id }, 'deleted ephemeral AWX credential');
        }
      } catch (error) {
        failures.push(error);
      }
    }
    return failures;
  }

  async #createCredential(
    credential: CredentialPlan['credential'] | ManagedCredentialPlan['credential'],
    typeId: number,
    signal: AbortSignal | undefined,
  ): Promise<Credential> {
    const { organizationId } = this.#settings;
    try {
      return await this.#awx.createCredential(
        { ...credential, organization: organizationId, credential_type: typeId },
        { signal },
      );
    } catch (error) {
      throw credentialRefusal(error, organizationId);
    }
  }

  /**
   * A credential type injecting exactly this Secret's keys: the base-named one if it matches,
   * else the one named for the Secret's shape, created when missing. A type is never changed,
   * since running jobs and other executions may use it.
   */
  async #credentialType(
    plan: CredentialPlan,
    signal: AbortSignal | undefined,
  ): Promise<{ value: CredentialType; cached: boolean }> {
    for (const wanted of [plan.type, versionedCredentialType(plan.type)]) {
      let made: CredentialType | undefined;
      const found = await this.#types.get(typeKey(wanted), async () => {
        const existing = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
        made = existing ? undefined : await this.#createCredentialType(wanted, signal);
        return existing ?? (made as CredentialType);
      });
      if (found.value === made || matchesCredentialType(found.value, wanted)) return found;
      // A type of this name with other inputs is never reused, nor kept in mind as if it were.
      this.#types.forget(typeKey(wanted));
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
      if (error instanceof AwxApiError && error.statusCode === 403) {
        throw typeCreationForbidden(wanted, error);
      }
      // Another execution may have created it since we looked (AWX refuses the duplicate name).
      if (!(error instanceof AwxApiError) || error.statusCode !== 400) throw error;
      const raced = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
      if (raced && matchesCredentialType(raced, wanted)) return raced;
      throw error;
    }
  }
}

/**
 * Only a System Administrator may create a credential type in AWX (CredentialTypeAccess keeps
 * BaseAccess.can_add: `is_superuser`), so a 403 is the token's standing (or its Read scope), not
 * a passing failure.
 * The message says what to create, so an administrator can do it once for every execution.
 */
function typeCreationForbidden(wanted: CredentialTypeRequest, error: AwxApiError) {
  return new ConfigurationError(
    {
      path: 'awx.token',
      message:
        `AWX refused to create credential type "${wanted.name}" (403): only a System ` +
        'Administrator may create credential types, and a token of Read scope is refused the ' +
        'same way whoever its user is (use a token of Write scope). Use the token of a System ' +
        'Administrator, or have one create the type beforehand with ' +
        JSON.stringify({
          name: wanted.name,
          kind: wanted.kind,
          inputs: wanted.inputs,
          injectors: wanted.injectors,
        }),
    },
    { cause: error },
  );
}

function typeKey(type: Pick<CredentialTypeRequest, 'name' | 'kind'>): string {
  return `${type.kind}/${type.name}`;
}
