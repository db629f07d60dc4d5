import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwxSimulator,
  AwxValidationError,
  type CredentialTypeSeed,
  startAwxSimulator,
} from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (response.status === 204 ? undefined : await response.json()) as Body,
  };
};

const secretType = (name: string): CredentialTypeSeed => ({
  name,
  kind: 'cloud',
  inputs: {
    fields: [
      { id: 'username', label: 'username', type: 'string' },
      { id: 'password', label: 'password', type: 'string', secret: true },
    ],
    required: ['password'],
  },
  injectors: { env: { APP_USERNAME: '{{ username }}', APP_PASSWORD: '{{password}}' } },
});

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('credential types', () => {
  it('creates a custom type that a lookup by name then finds', async () => {
    const created = await request('POST', 'credential_types/', secretType('kubernaut-secret-db'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'kubernaut-secret-db',
      kind: 'cloud',
      managed: false,
    });
    const found = await request('GET', 'credential_types/?name=kubernaut-secret-db');
    expect(found.body.results.map((t: { id: number }) => t.id)).toEqual([created.body.id]);
    expect((await request('GET', `credential_types/${created.body.id}/`)).body.injectors).toEqual(
      secretType('x').injectors,
    );
  });

  it('accepts only the cloud and net kinds', async () => {
    expect(
      await request('POST', 'credential_types/', { ...secretType('t-ssh'), kind: 'ssh' }),
    ).toEqual({
      status: 400,
      body: { kind: ["Must be 'cloud' or 'net', not ssh"] },
    });
    expect(
      (await request('POST', 'credential_types/', { ...secretType('t-x'), kind: 'bogus' })).body,
    ).toEqual({
      kind: ['"bogus" is not a valid choice.'],
    });
    expect((await request('POST', 'credential_types/', { kind: 'cloud' })).body).toEqual({
      name: ['This field is required.'],
    });
    // AWX's ChoiceNullField and CharNullField take what Python counts false as ''.
    expect(
      (await request('POST', 'credential_types/', { name: 't-null', kind: null })).body,
    ).toEqual({ kind: ['"" is not a valid choice.'] });
    expect(
      (await request('POST', 'credential_types/', { name: null, kind: 'cloud', inputs: {} })).body,
    ).toEqual({ name: ['This field cannot be blank.'] });
    const quiet = await request('POST', 'credential_types/', {
      ...secretType('t-quiet'),
      description: false,
    });
    expect([quiet.status, quiet.body.description]).toEqual([201, '']);
  });

  it('validates the input schema with AWX messages', async () => {
    const cases: [unknown, string[]][] = [
      [{ fields: [{ label: 'L' }] }, ["'id' is a required property"]],
      [
        { fields: [{ id: 'a', label: 'A', type: 'int' }] },
        ["'int' is not one of ['string', 'boolean']"],
      ],
      [{ fields: [{ id: '1a', label: 'A' }] }, ['1a is an invalid variable name']],
      [
        { fields: [{ id: 'a', label: 'A', secret: 'yes' }] },
        ["str provided in relative path ['fields', 0, 'secret'], expected boolean"],
      ],
      [
        {
          fields: [
            { id: 'a', label: 'A' },
            { id: 'a', label: 'B' },
          ],
        },
        ['field IDs must be unique (a)'],
      ],
      [
        { fields: [{ id: 'a', label: 'A', type: 'boolean', secret: true }] },
        ['secret not allowed for boolean type (a)'],
      ],
      // str.format shows the default as str() does: text without quotes.
      [
        { fields: [{ id: 'a', label: 'A', type: 'boolean', default: 'yes' }] },
        ['yes is not a boolean'],
      ],
      [{ fields: [{ id: 'a', label: 'A', default: true }] }, ['True is not a string']],
    ];
    for (const [inputs, messages] of cases) {
      const response = await request('POST', 'credential_types/', {
        name: 'bad',
        kind: 'cloud',
        inputs,
      });
      expect(response, JSON.stringify(inputs)).toEqual({ status: 400, body: { inputs: messages } });
    }
  });

  it('refuses injectors that reference undefined fields or reserved variables', async () => {
    const inputs = secretType('x').inputs;
    const post = (injectors: unknown) =>
      request('POST', 'credential_types/', { name: 'inj', kind: 'cloud', inputs, injectors });
    expect((await post({ env: { TOKEN: '{{ token }}' } })).body).toEqual({
      injectors: ["TOKEN uses an undefined field ('token' is undefined)"],
    });
    expect((await post({ extra_vars: { pw: '{{ password.value }}' } })).body).toEqual({
      injectors: ["pw uses an undefined field ('str object' has no attribute 'value')"],
    });
    expect((await post({ env: { ANSIBLE_PASSWORD: '{{ password }}' } })).body).toEqual({
      injectors: [
        'Environment variable ANSIBLE_PASSWORD may affect Ansible configuration so its use is not allowed in credentials.',
      ],
    });
    expect((await post({ env: { '1BAD': 'x' } })).body).toEqual({
      injectors: [
        "Schema validation error in relative path ['env'] ('1BAD' does not match any of the regexes: '^[a-zA-Z_]+[a-zA-Z0-9_]*$')",
      ],
    });
    expect(
      (await post({ file: { template: '{{ password }}' }, env: { F: '{{ tower.filename }}' } }))
        .status,
    ).toBe(201);
  });

  it('takes extra_vars injectors that nest arrays and objects with template keys, as AWX does', async () => {
    const inputs = secretType('x').inputs;
    const post = (name: string, extraVars: unknown) =>
      request('POST', 'credential_types/', {
        name,
        kind: 'cloud',
        inputs,
        injectors: { extra_vars: extraVars },
      });
    const nested = {
      db: { user: '{{ username }}', hosts: ['{{ password }}', { port: '5432' }] },
      '{{username}}_pw': '{{ password }}',
    };
    const created = await post('nested', nested);
    expect(created.status).toBe(201);
    expect(created.body.injectors).toEqual({ extra_vars: nested });
    const refused = async (extraVars: unknown) => (await post('refused', extraVars)).body;
    expect(await refused({ db: { '{{token}}': 'x' } })).toEqual({
      injectors: ["db uses an undefined field ('token' is undefined)"],
    });
    expect(await refused({ '{{ token }}': 'x' })).toEqual({
      injectors: [
        "Schema validation error in relative path ['extra_vars'] ('{{ token }}' does not match any of the regexes: '^[a-zA-Z_\\\\{\\\\}]+[a-zA-Z0-9_\\\\{\\\\}]*$')",
      ],
    });
    expect(await refused({ '{{token}}': 'x' })).toEqual({
      injectors: ["a key uses an undefined field ('token' is undefined)"],
    });
    expect(await refused({ db: { hosts: ['{{ username }}', '{{ token }}'] } })).toEqual({
      injectors: ["db.hosts[1] uses an undefined field ('token' is undefined)"],
    });
    expect(await refused({ db: { 'a-b': 'x' } })).toEqual({
      injectors: ["{'a-b': 'x'} is not valid under any of the given schemas"],
    });
    expect(await refused({ port: 5432 })).toEqual({
      injectors: ['5432 is not valid under any of the given schemas'],
    });
  });

  it('refuses a template that is a Jinja syntax error, as AWX does', async () => {
    const inputs = { fields: [{ id: 'not', label: 'not', secret: true }] };
    const response = await request('POST', 'credential_types/', {
      name: 'jinja-keyword',
      kind: 'cloud',
      inputs,
      injectors: { env: { APP_NOT: '{{not}}' } },
    });
    expect(response).toEqual({
      status: 400,
      body: {
        injectors: [
          "Syntax error rendering template for APP_NOT inside of env (unexpected 'end of print statement')",
        ],
      },
    });
  });

  it('takes Jinja constants, `self` and globals as AWX does, without any input', async () => {
    const response = await request('POST', 'credential_types/', {
      name: 'jinja-names',
      kind: 'cloud',
      inputs: { fields: [] },
      injectors: { env: { A: '{{true}}', B: '{{ None }}', C: '{{self}}', D: '{{ range }}' } },
    });
    expect(response.status).toBe(201);
  });

  it('refuses a second type with the same name and kind', async () => {
    await request('POST', 'credential_types/', secretType('dup'));
    expect((await request('POST', 'credential_types/', secretType('dup'))).body).toEqual({
      __all__: ['Credential type with this Name and Kind already exists.'],
    });
  });

  it('deletes an unused type, but not one in use or a managed one', async () => {
    const unused = (await request('POST', 'credential_types/', secretType('unused'))).body.id;
    expect((await request('DELETE', `credential_types/${unused}/`)).status).toBe(204);
    expect((await request('GET', `credential_types/${unused}/`)).status).toBe(404);
    const used = sim.state.addCredentialType(secretType('used'));
    sim.state.addCredential({ name: 'c', credential_type: used.id, organization: 1, inputs: {} });
    expect(await request('DELETE', `credential_types/${used.id}/`)).toEqual({
      status: 403,
      body: { detail: 'Credential types that are in use cannot be deleted' },
    });
    expect((await request('DELETE', 'credential_types/1/')).status).toBe(403);
  });

  it('rejects invalid seeds with the body AWX would answer', () => {
    expect(() => sim.state.addCredentialType({ name: 'x', kind: 'vault' })).toThrow(
      AwxValidationError,
    );
  });
});

describe('a user who is not a System Administrator', () => {
  it('may read credential types but not create or delete one, as AWX answers', async () => {
    const user = await startAwxSimulator({ superuser: false });
    try {
      const call = async (method: string, path: string, body?: string) => {
        const response = await fetch(`${user.apiUrl}${path}`, {
          method,
          headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
          body,
        });
        return { status: response.status, body: (await response.json()) as Body };
      };
      const me = await call('GET', 'me/');
      expect(me.body.results[0]).toMatchObject({ is_superuser: false });
      expect((await call('GET', 'credential_types/?name=Machine')).body.count).toBe(1);
      const denied = { detail: 'You do not have permission to perform this action.' };
      const seed = JSON.stringify(secretType('not-mine'));
      expect(await call('POST', 'credential_types/', seed)).toEqual({ status: 403, body: denied });
      // DRF parses the body for the access check, so a broken one is still a 400.
      expect((await call('POST', 'credential_types/', '{"name":')).status).toBe(400);
      const type = user.state.addCredentialType(secretType('seeded'));
      expect(await call('DELETE', `credential_types/${type.id}/`)).toEqual({
        status: 403,
        body: denied,
      });
      expect((await call('DELETE', 'credential_types/999/')).status).toBe(404);
      expect(user.state.credentialTypes().map((t) => t.name)).not.toContain('not-mine');
    } finally {
      await user.stop();
    }
  });
});
