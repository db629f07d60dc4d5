import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import {
  decodeSecretData,
  ephemeralCredentialPrefix,
  inputIds,
  launchCredentials,
  matchesCredentialType,
  planCredentials,
  versionedCredentialType,
} from './credential-plan.js';
import { executionIdentity } from './execution-identity.js';
import { restartIdentity, storedCredentialType } from './fakes.test-support.js';

const identity = restartIdentity;

describe('planCredentials', () => {
  it('plans kubernaut-shaped types and one credential per Secret named for the execution', () => {
    const [plan, ...rest] = planCredentials(
      [{ name: 'db-creds', data: { username: 'app', password: 's3cret' } }],
      identity,
      'kubernaut-',
      kubernautConventions,
    );
    expect(rest).toEqual([]);
    expect(plan?.type).toEqual({
      name: 'kubernaut-secret-db-creds',
      description: expect.any(String),
      kind: 'cloud',
      inputs: {
        fields: [
          { id: 'password', label: 'password', type: 'string', secret: true },
          { id: 'username', label: 'username', type: 'string', secret: true },
        ],
        required: [],
      },
      injectors: {
        env: {
          KUBERNAUT_SECRET_DB_CREDS_PASSWORD: '{{password}}',
          KUBERNAUT_SECRET_DB_CREDS_USERNAME: '{{username}}',
        },
      },
    });
    expect(plan?.credential).toEqual({
      name: `kubernaut-ephemeral-${identity.key}-db-creds`,
      description: expect.stringContaining('team-a/restart-api/u-1'),
      inputs: { password: 's3cret', username: 'app' },
    });
    expect(
      plan?.credential.name.startsWith(ephemeralCredentialPrefix('kubernaut-', identity)),
    ).toBe(true);
  });

  it('turns keys AWX would refuse into valid input ids and variable names', () => {
    const keys = ['tls.crt', 'api-key', '1st', 'tower', 'ok_key'];
    expect(Object.fromEntries(inputIds(keys))).toEqual({
      'tls.crt': 'tls_crt',
      'api-key': 'api_key',
      '1st': '_1st',
      tower: '_tower',
      ok_key: 'ok_key',
    });
    const [plan] = planCredentials(
      [{ name: 'web.tls', data: { 'tls.crt': 'c' } }],
      identity,
      'roundhouse-',
      roundhouseConventions,
    );
    expect(plan?.type.injectors.env).toEqual({ ROUNDHOUSE_SECRET_WEB_TLS_TLS_CRT: '{{tls_crt}}' });
  });

  it("gives keys Jinja would not read as a variable in AWX's injector an id it reads", () => {
    const keys = ['not', 'true', 'False', 'None', 'self', 'and', 'if'];
    const [plan] = planCredentials(
      [{ name: 'jinja', data: Object.fromEntries(keys.map((key) => [key, `v-${key}`])) }],
      identity,
      'roundhouse-',
      roundhouseConventions,
    );
    // `and` and `if` are variables when they stand alone in `{{ }}`, as Jinja parses them.
    expect(plan?.type.injectors.env).toEqual({
      ROUNDHOUSE_SECRET_JINJA_NOT: '{{_not}}',
      ROUNDHOUSE_SECRET_JINJA_TRUE: '{{_true}}',
      ROUNDHOUSE_SECRET_JINJA_FALSE: '{{_False}}',
      ROUNDHOUSE_SECRET_JINJA_NONE: '{{_None}}',
      ROUNDHOUSE_SECRET_JINJA_SELF: '{{_self}}',
      ROUNDHOUSE_SECRET_JINJA_AND: '{{and}}',
      ROUNDHOUSE_SECRET_JINJA_IF: '{{if}}',
    });
    expect(plan?.credential.inputs).toMatchObject({
      _true: 'v-true',
      _self: 'v-self',
      and: 'v-and',
    });
  });

  it('never gives two keys of a Secret the same input id', () => {
    expect(
      Object.fromEntries(inputIds(['self', '_self', '__self', 'x-y', 'x_y', 'tower'])),
    ).toEqual({
      self: '___self',
      _self: '_self',
      __self: '__self',
      'x-y': '_x_y',
      x_y: 'x_y',
      tower: '_tower',
    });
  });

  it('plans nothing for a Secret without keys', () => {
    expect(
      planCredentials(
        [{ name: 'empty', data: {} }],
        identity,
        'roundhouse-',
        roundhouseConventions,
      ),
    ).toEqual([]);
  });

  it("refuses an envPrefix that makes every Secret's variables ANSIBLE_*, which AWX refuses in a credential type (CredentialTypeInjectorField.validate_env_var_allowed, awx/main/fields.py:852)", () => {
    const ansible = { ...roundhouseConventions, envPrefix: 'ANSIBLE' };
    const issues = configurationIssuesOf(() =>
      planCredentials(
        [
          { name: 'empty', data: {} },
          { name: 'db', data: { password: 'p' } },
          { name: 'api', data: { token: 't' } },
        ],
        identity,
        'roundhouse-',
        ansible,
      ),
    );
    expect(issues).toEqual([
      {
        path: 'dependencies.secrets[1].name',
        message:
          'Secret db would be injected as ANSIBLE_SECRET_DB_<KEY> environment variables, which ' +
          'AWX refuses in a credential type (a variable starting with ANSIBLE_ may affect ' +
          "Ansible's configuration): use conventions with another envPrefix (not ANSIBLE, nor " +
          'one starting with ANSIBLE_)',
      },
    ]);
    // Without Secrets nothing is injected, and such a prefix harms nothing.
    expect(
      planCredentials([{ name: 'empty', data: {} }], identity, 'roundhouse-', ansible),
    ).toEqual([]);
    expect(
      planCredentials([{ name: 'db', data: { password: 'p' } }], identity, 'roundhouse-', {
        ...roundhouseConventions,
        envPrefix: 'ANSIBLEX',
      }),
    ).toHaveLength(1);
  });

  it('refuses keys that would collide, within a Secret and across Secrets', () => {
    const issues = configurationIssuesOf(() =>
      planCredentials(
        [
          { name: 'a', data: { 'x-y': '1', 'x.y': '2' } },
          { name: 'a-x', data: { y: '3' } },
        ],
        identity,
        'roundhouse-',
        roundhouseConventions,
      ),
    );
    expect(issues).toEqual([
      {
        path: 'dependencies.secrets[0].name',
        message: expect.stringMatching(/"x\.y" of Secret a becomes .* like key "x-y"/),
      },
      {
        path: 'dependencies.secrets[1].name',
        message: expect.stringMatching(/ROUNDHOUSE_SECRET_A_X_Y/),
      },
    ]);
  });
});

describe('credential types', () => {
  const [plan] = planCredentials(
    [{ name: 'db', data: { user: 'u', pass: 'p' } }],
    identity,
    'roundhouse-',
    roundhouseConventions,
  );
  const wanted = plan!.type;

  it('reuses a type with exactly the same inputs and injectors', () => {
    expect(matchesCredentialType(storedCredentialType(wanted, 40), wanted)).toBe(true);
  });

  it('does not reuse a type with fewer, more, non-secret or required inputs, or other injectors', () => {
    const base = storedCredentialType(wanted, 40);
    const fewer = { ...base, inputs: { ...base.inputs, fields: base.inputs.fields.slice(1) } };
    const more = {
      ...base,
      inputs: {
        ...base.inputs,
        fields: [
          ...base.inputs.fields,
          { id: 'x', label: 'x', type: 'string' as const, secret: true },
        ],
      },
    };
    const plain = {
      ...base,
      inputs: { ...base.inputs, fields: base.inputs.fields.map((f) => ({ ...f, secret: false })) },
    };
    const required = { ...base, inputs: { ...base.inputs, required: ['user'] } };
    const renamed = {
      ...base,
      injectors: { env: { OTHER: '{{user}}', ROUNDHOUSE_SECRET_DB_PASS: '{{pass}}' } },
    };
    const extra = { ...base, injectors: { ...base.injectors, extra_vars: { user: '{{user}}' } } };
    for (const candidate of [fewer, more, plain, required, renamed, extra]) {
      expect(matchesCredentialType(candidate, wanted)).toBe(false);
    }
  });

  it('versions the name by shape, so equal Secrets share a type and changed ones do not', () => {
    const [grown] = planCredentials(
      [{ name: 'db', data: { user: 'u', pass: 'p', token: 't' } }],
      identity,
      'roundhouse-',
      roundhouseConventions,
    );
    const [sameShape] = planCredentials(
      [{ name: 'db', data: { user: 'other', pass: 'values' } }],
      executionIdentity({ metadata: { name: 'b', namespace: 'n' } }),
      'roundhouse-',
      roundhouseConventions,
    );
    const versioned = versionedCredentialType(wanted);
    expect(versioned.name).toMatch(/^roundhouse-secret-db-v[0-9a-f]{10}$/);
    expect(versionedCredentialType(sameShape!.type).name).toBe(versioned.name);
    expect(versionedCredentialType(grown!.type).name).not.toBe(versioned.name);
    expect({ ...versioned, name: wanted.name }).toEqual(wanted);
  });
});

describe('launchCredentials', () => {
  const credential = (id: number, type: number) => ({
    id,
    name: `c${id}`,
    organization: 1,
    credential_type: type,
  });

  it('puts the template credentials first, then the ephemeral ones, each once', () => {
    expect(
      launchCredentials(
        [credential(1, 1), credential(2, 5)],
        [credential(9, 40), credential(2, 5)],
      ),
    ).toEqual({ ids: [1, 9, 2], replaced: [credential(2, 5)] });
    expect(launchCredentials([credential(1, 1)], [credential(9, 40)])).toEqual({
      ids: [1, 9],
      replaced: [],
    });
  });

  it('UT-WE-365-002: sends a credential both on the template and ephemeral once', () => {
    // kubernaut's mock answers the ephemeral create with id 200, which the template has too.
    const ids = launchCredentials([credential(100, 1), credential(200, 5)], [credential(200, 5)]);
    expect(ids.ids).toEqual([100, 200]);
  });

  it('lets an ephemeral credential replace the template credential of its type', () => {
    expect(launchCredentials([credential(1, 40), credential(2, 7)], [credential(9, 40)])).toEqual({
      ids: [2, 9],
      replaced: [credential(1, 40)],
    });
  });
});

describe('decodeSecretData', () => {
  it('decodes base64 values to text', () => {
    expect(decodeSecretData('s', 0, { a: Buffer.from('héllo').toString('base64'), b: '' })).toEqual(
      { a: 'héllo', b: '' },
    );
  });

  it('keeps a key named __proto__, which a Secret may have, through to the credential', () => {
    const data = JSON.parse(`{"__proto__": "${Buffer.from('v').toString('base64')}"}`);
    const decoded = decodeSecretData('s', 0, data);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    const [plan] = planCredentials(
      [{ name: 's', data: decoded }],
      identity,
      'kubernaut-',
      kubernautConventions,
    );
    expect(JSON.parse(JSON.stringify(plan?.credential.inputs))).toEqual(
      JSON.parse('{"__proto__": "v"}'),
    );
    expect(Object.keys(plan?.type.injectors.env ?? {})).toEqual(['KUBERNAUT_SECRET_S___PROTO__']);
  });

  it('keeps a leading byte order mark, which a default TextDecoder drops', () => {
    const bom = Buffer.from('\ufeffkey').toString('base64');
    expect(decodeSecretData('s', 0, { a: bom })).toEqual({ a: '\ufeffkey' });
  });

  it('refuses a binary value, naming the key but not the value', () => {
    const issues = configurationIssuesOf(() =>
      decodeSecretData('s', 2, {
        'keystore.p12': Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
      }),
    );
    expect(issues).toEqual([
      {
        path: 'dependencies.secrets[2].name',
        message:
          'key "keystore.p12" of Secret s is not UTF-8 text; AWX credential inputs must be text',
      },
    ]);
  });

  it('refuses a value AWX would take for one of its encrypted values, naming the key but not the value', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    for (const value of ['$encrypted$', '$encrypted$UTF8$AESCBC$c2VjcmV0']) {
      const issues = configurationIssuesOf(() =>
        decodeSecretData('s', 1, { token: encode(value) }),
      );
      expect(issues).toEqual([
        {
          path: 'dependencies.secrets[1].name',
          message: expect.stringContaining('key "token" of Secret s starts with "$encrypted$"'),
        },
      ]);
      expect(JSON.stringify(issues)).not.toContain('AESCBC');
    }
    expect(decodeSecretData('s', 1, { token: encode('x$encrypted$') })).toEqual({
      token: 'x$encrypted$',
    });
  });

  it('refuses a value holding NUL, which no environment variable can carry, naming the key but not the value', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    for (const value of ['hunter2\u0000tail', '\u0000', 'end\u0000']) {
      const issues = configurationIssuesOf(() =>
        decodeSecretData('db-creds', 3, { password: encode(value), user: encode('app') }),
      );
      expect(issues).toEqual([
        {
          path: 'dependencies.secrets[3].name',
          message: expect.stringContaining(
            'key "password" of Secret db-creds holds a NUL character (U+0000)',
          ),
        },
      ]);
      expect(JSON.stringify(issues)).not.toMatch(/hunter2|tail|end\\u0000/);
    }
  });

  it('keeps the other control characters, which AWX injects as they are', () => {
    const value = 'a\tb\nc\rd\u0001e\u001bf\u007f';
    const data = { key: Buffer.from(value).toString('base64') };
    expect(decodeSecretData('s', 0, data)).toEqual({ key: value });
  });
});
