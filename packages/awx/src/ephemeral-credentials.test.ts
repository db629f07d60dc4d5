import { ConfigurationError, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError, AwxPermissionError } from './awx-errors.js';
import type { CredentialFilter, CredentialStore, CredentialTypeStore } from './awx-roles.js';
import {
  type CredentialPlan,
  planCredentials,
  versionedCredentialType,
} from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { restartIdentity, storedCredentialType } from './fakes.test-support.js';
import type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
} from './schemas.js';

const identity = restartIdentity;
const settings = { organizationId: 2, namePrefix: 'roundhouse-', cacheTtlMs: 0, now: Date.now };

function plan(data: Record<string, string>): CredentialPlan {
  const [first] = planCredentials(
    [{ name: 'db', data }],
    identity,
    settings.namePrefix,
    roundhouseConventions,
  );
  return first!;
}

/** Credentials and types in memory; `ignoreFilter` plays a server that lists everything. */
class FakeStore implements CredentialStore, CredentialTypeStore {
  types: CredentialType[] = [];
  credentials: Credential[] = [];
  createTypeFails: AwxApiError | undefined;
  /** The token is not a System Administrator's: AWX answers 403 and creates nothing. */
  refuseTypes = false;
  /** The user may not give credentials to the organization (CredentialAccess.can_add). */
  refuseCredentials = false;
  ignoreFilter = false;
  /** Ids whose delete fails, as a 503 from a gateway would. */
  failDeletes = new Set<number>();
  typeLookups = 0;
  #nextId = 100;

  async findCredentialType(name: string, kind: string) {
    this.typeLookups++;
    return this.types.find((t) => t.name === name && t.kind === kind) ?? null;
  }

  async createCredentialType(type: CredentialTypeRequest) {
    if (this.refuseTypes) {
      const detail = 'You do not have permission to perform this action.';
      throw new AwxApiError('POST credential_types/', 403, detail, [], undefined);
    }
    const created = storedCredentialType(type, this.#nextId++);
    this.types.push(created);
    if (this.createTypeFails) throw this.createTypeFails;
    return created;
  }

  async listCredentials(filter: CredentialFilter) {
    if (this.ignoreFilter) return [...this.credentials];
    return this.credentials.filter(
      (c) =>
        c.name.startsWith(filter.nameStartsWith ?? '') && c.organization === filter.organization,
    );
  }

  async createCredential(request: CredentialRequest) {
    const { name, organization, credential_type } = request;
    if (this.refuseCredentials) {
      const detail = 'You do not have permission to perform this action.';
      throw new AwxApiError('POST credentials/', 403, detail, [], undefined);
    }
    if (!this.types.some((t) => t.id === credential_type)) {
      throw new AwxApiError('POST credentials/', 400, undefined, [], undefined);
    }
    const credential = { id: this.#nextId++, name, organization, credential_type };
    this.credentials.push(credential);
    return credential;
  }

  async deleteCredential(id: number) {
    if (this.failDeletes.has(id)) {
      throw new AwxApiError(`DELETE credentials/${id}/`, 503, 'unavailable', [], undefined);
    }
    const before = this.credentials.length;
    this.credentials = this.credentials.filter((c) => c.id !== id);
    return this.credentials.length < before;
  }
}

/** The credentials `create` made, in order. */
async function make(
  credentials: EphemeralCredentials,
  plans: CredentialPlan[],
  signal: AbortSignal | undefined,
): Promise<Credential[]> {
  const created: Credential[] = [];
  await credentials.create(identity, plans, created, signal, 'create');
  return created;
}

function setup(cacheTtlMs = 0) {
  const store = new FakeStore();
  const options = { ...settings, cacheTtlMs };
  return { store, credentials: new EphemeralCredentials(store, options, noopLogger) };
}

describe('EphemeralCredentials', () => {
  it('creates one credential per plan, of a new type, in the configured organization', async () => {
    const { store, credentials } = setup();
    const wanted = plan({ password: 'pw' });
    const [created] = await make(credentials, [wanted], undefined);
    expect(store.types.map((t) => t.name)).toEqual(['roundhouse-secret-db']);
    expect(created).toMatchObject({
      name: wanted.credential.name,
      organization: 2,
      credential_type: store.types[0]!.id,
    });
  });

  it('reuses a matching type, and never changes one that injects other keys', async () => {
    const { store, credentials } = setup();
    const old = plan({ password: 'pw' });
    store.types.push(storedCredentialType(old.type, 7));
    await make(credentials, [old], undefined);
    expect(store.credentials.map((c) => c.credential_type)).toEqual([7]);

    const grown = plan({ password: 'pw', username: 'app' });
    await make(credentials, [grown], undefined);
    expect(store.types.map((t) => t.name)).toEqual([
      'roundhouse-secret-db',
      versionedCredentialType(grown.type).name,
    ]);
    expect(store.types[0]).toEqual(storedCredentialType(old.type, 7));
  });

  it('takes the type another execution created meanwhile', async () => {
    const { store, credentials } = setup();
    store.createTypeFails = new AwxApiError(
      'POST credential_types/',
      400,
      undefined,
      [],
      undefined,
    );
    const [created] = await make(credentials, [plan({ k: 'v' })], undefined);
    expect(created?.credential_type).toBe(store.types[0]!.id);
  });

  it('names the organization right a refused credential lacks, never a value', async () => {
    const { store, credentials } = setup();
    store.refuseCredentials = true;
    const error = await make(credentials, [plan({ password: 'pw-1' })], undefined).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwxPermissionError);
    expect(error).toMatchObject({ statusCode: 403, reason: 'AWXForbidden' });
    expect((error as Error).message).toContain('lacks Credential Admin on organization 2');
    expect((error as Error).message).not.toContain('pw-1');
    expect(store.credentials).toEqual([]);
  });

  it('says what an administrator must create when the token may not create a type', async () => {
    const { store, credentials } = setup();
    store.refuseTypes = true;
    const wanted = plan({ password: 'pw-1' });
    const error = await make(credentials, [wanted], undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const [issue, ...more] = (error as ConfigurationError).issues;
    expect(more).toEqual([]);
    expect(issue?.path).toBe('awx.token');
    expect(issue?.message).toContain('"roundhouse-secret-db" (403)');
    expect(issue?.message).toMatch(/System Administrator/);
    expect(issue?.message).toContain('use a token of Write scope');
    const definition = JSON.parse(issue?.message.slice(issue.message.indexOf('{')) ?? '');
    expect(definition).toEqual({
      name: 'roundhouse-secret-db',
      kind: 'cloud',
      inputs: wanted.type.inputs,
      injectors: wanted.type.injectors,
    });
    expect(issue?.message).not.toContain('pw-1');
    expect(store.credentials).toEqual([]);
  });

  it('refuses when both the base and the versioned type inject other keys', async () => {
    const { store, credentials } = setup();
    const wanted = plan({ k: 'v' });
    const other = plan({ other: 'x' }).type;
    store.types.push(
      storedCredentialType({ ...other, name: wanted.type.name }, 7),
      storedCredentialType({ ...other, name: versionedCredentialType(wanted.type).name }, 8),
    );
    await expect(make(credentials, [wanted], undefined)).rejects.toThrow(ConfigurationError);
    expect(store.credentials).toEqual([]);
  });

  it("deletes only this execution's credentials, even from a server that ignores the filter", async () => {
    const { store, credentials } = setup();
    await make(credentials, [plan({ k: 'v' })], undefined);
    const others = {
      id: 9,
      name: 'roundhouse-ephemeral-0000-db',
      organization: 2,
      credential_type: 1,
    };
    store.credentials.push(others);
    store.ignoreFilter = true;
    expect(await credentials.deleteAll(identity, [], undefined)).toEqual([]);
    expect(store.credentials).toEqual([others]);
  });

  it('deletes every credential it can when one delete fails, and reports each failure', async () => {
    const { store, credentials } = setup();
    const plans = planCredentials(
      ['a', 'b', 'c'].map((name) => ({ name, data: { k: 'v' } })),
      identity,
      settings.namePrefix,
      roundhouseConventions,
    );
    const [a, b, c] = await make(credentials, plans, undefined);
    store.failDeletes = new Set([a!.id, c!.id]);
    const failures = await credentials.deleteAll(identity, [], undefined);
    expect(failures).toHaveLength(2);
    expect(failures.map((f) => (f as AwxApiError).endpoint)).toEqual([
      `DELETE credentials/${a!.id}/`,
      `DELETE credentials/${c!.id}/`,
    ]);
    expect(store.credentials.map((x) => x.id)).toEqual([a!.id, c!.id]);
    expect(b).toBeDefined();
  });

  it('deletes known ids even when the listing fails', async () => {
    const { store, credentials } = setup();
    const [made] = await make(credentials, [plan({ k: 'v' })], undefined);
    store.listCredentials = async () => {
      throw new AwxApiError('GET credentials/', 502, undefined, [], undefined);
    };
    const failures = await credentials.deleteAll(identity, [made!.id], undefined);
    expect(failures).toHaveLength(1);
    expect(store.credentials).toEqual([]);
  });

  it('remembers a credential type between launches, and asks again when AWX lost it', async () => {
    const { store, credentials } = setup(60_000);
    await make(credentials, [plan({ k: 'v' })], undefined);
    await make(credentials, [plan({ k: 'v' })], undefined);
    expect(store.typeLookups).toBe(1);
    // Someone deleted the type: AWX refuses the credential (400), which creates nothing.
    store.types = [];
    const [again] = await make(credentials, [plan({ k: 'v' })], undefined);
    expect(store.types.map((t) => t.id)).toEqual([again!.credential_type]);
    expect(store.typeLookups).toBe(2);
  });

  it('checks the signal between a type and its credential', async () => {
    const { store, credentials } = setup();
    await expect(make(credentials, [plan({ k: 'v' })], AbortSignal.abort())).rejects.toMatchObject({
      reason: 'Aborted',
    });
    expect(store.credentials).toEqual([]);
  });
});
