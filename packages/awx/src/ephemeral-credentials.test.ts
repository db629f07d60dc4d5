import { ConfigurationError, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError } from './awx-errors.js';
import type { CredentialFilter, CredentialStore, CredentialTypeStore } from './awx-roles.js';
import {
  type CredentialPlan,
  planCredentials,
  versionedCredentialType,
} from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { executionIdentity } from './execution-identity.js';
import type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
} from './schemas.js';

const identity = executionIdentity({
  metadata: { name: 'restart-api', namespace: 'team-a', uid: 'u-1' },
});
const settings = { organizationId: 2, namePrefix: 'roundhouse-' };

function plan(data: Record<string, string>): CredentialPlan {
  const [first] = planCredentials(
    [{ name: 'db', data }],
    identity,
    settings.namePrefix,
    roundhouseConventions,
  );
  return first!;
}

function stored(request: CredentialTypeRequest, id: number): CredentialType {
  return {
    id,
    name: request.name,
    kind: request.kind,
    managed: false,
    inputs: {
      fields: (request.inputs.fields ?? []).map((f) => ({
        id: f.id,
        label: f.label,
        type: f.type ?? 'string',
        secret: f.secret ?? false,
      })),
      required: request.inputs.required ?? [],
    },
    injectors: request.injectors,
  };
}

/** Credentials and types in memory; `ignoreFilter` plays a server that lists everything. */
class FakeStore implements CredentialStore, CredentialTypeStore {
  types: CredentialType[] = [];
  credentials: Credential[] = [];
  createTypeFails: AwxApiError | undefined;
  ignoreFilter = false;
  #nextId = 100;

  async findCredentialType(name: string, kind: string) {
    return this.types.find((t) => t.name === name && t.kind === kind) ?? null;
  }

  async createCredentialType(type: CredentialTypeRequest) {
    const created = stored(type, this.#nextId++);
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
    const credential = { id: this.#nextId++, name, organization, credential_type };
    this.credentials.push(credential);
    return credential;
  }

  async deleteCredential(id: number) {
    const before = this.credentials.length;
    this.credentials = this.credentials.filter((c) => c.id !== id);
    return this.credentials.length < before;
  }
}

function setup() {
  const store = new FakeStore();
  return { store, credentials: new EphemeralCredentials(store, settings, noopLogger) };
}

describe('EphemeralCredentials', () => {
  it('creates one credential per plan, of a new type, in the configured organization', async () => {
    const { store, credentials } = setup();
    const wanted = plan({ password: 'pw' });
    const [created] = await credentials.create(identity, [wanted], undefined, 'create');
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
    store.types.push(stored(old.type, 7));
    await credentials.create(identity, [old], undefined, 'create');
    expect(store.credentials.map((c) => c.credential_type)).toEqual([7]);

    const grown = plan({ password: 'pw', username: 'app' });
    await credentials.create(identity, [grown], undefined, 'create');
    expect(store.types.map((t) => t.name)).toEqual([
      'roundhouse-secret-db',
      versionedCredentialType(grown.type).name,
    ]);
    expect(store.types[0]).toEqual(stored(old.type, 7));
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
    const [created] = await credentials.create(identity, [plan({ k: 'v' })], undefined, 'create');
    expect(created?.credential_type).toBe(store.types[0]!.id);
  });

  it('refuses when both the base and the versioned type inject other keys', async () => {
    const { store, credentials } = setup();
    const wanted = plan({ k: 'v' });
    const other = plan({ other: 'x' }).type;
    store.types.push(
      stored({ ...other, name: wanted.type.name }, 7),
      stored({ ...other, name: versionedCredentialType(wanted.type).name }, 8),
    );
    await expect(credentials.create(identity, [wanted], undefined, 'create')).rejects.toThrow(
      ConfigurationError,
    );
    expect(store.credentials).toEqual([]);
  });

  it("deletes only this execution's credentials, even from a server that ignores the filter", async () => {
    const { store, credentials } = setup();
    await credentials.create(identity, [plan({ k: 'v' })], undefined, 'create');
    const others = {
      id: 9,
      name: 'roundhouse-ephemeral-0000-db',
      organization: 2,
      credential_type: 1,
    };
    store.credentials.push(others);
    store.ignoreFilter = true;
    await credentials.deleteAll(identity, undefined);
    expect(store.credentials).toEqual([others]);
  });

  it('checks the signal between a type and its credential', async () => {
    const { store, credentials } = setup();
    await expect(
      credentials.create(identity, [plan({ k: 'v' })], AbortSignal.abort(), 'create'),
    ).rejects.toMatchObject({ reason: 'Aborted' });
    expect(store.credentials).toEqual([]);
  });
});
