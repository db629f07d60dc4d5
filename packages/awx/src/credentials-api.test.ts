import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxLookupError } from './awx-errors.js';
import { awxBase, onceTransport, page, useNock } from './awx-nock.test-support.js';
import { CredentialsApi, CredentialTypesApi } from './credentials-api.js';

const credentialType = (id: number) => ({
  id,
  name: 'roundhouse-secret-db',
  kind: 'cloud',
  managed: false,
  inputs: { fields: [], required: [] },
  injectors: {},
});

useNock();

describe('CredentialTypesApi', () => {
  it('finds a type by name and kind: none, one, or an error for several', async () => {
    const query = { name: 'roundhouse-secret-db', kind: 'cloud', page_size: '200' };
    nock(awxBase)
      .get('/api/v2/credential_types/')
      .query(query)
      .reply(200, page([]))
      .get('/api/v2/credential_types/')
      .query(query)
      .reply(200, page([credentialType(4)]))
      .get('/api/v2/credential_types/')
      .query(query)
      .reply(200, page([credentialType(4), credentialType(5)]));
    const types = new CredentialTypesApi(onceTransport());
    const find = () => types.findCredentialType('roundhouse-secret-db', 'cloud');
    expect(await find()).toBeNull();
    expect((await find())?.id).toBe(4);
    const error = await find().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxLookupError);
    expect(error).toMatchObject({ reason: 'AWXAmbiguousName', matches: [4, 5] });
  });

  it('reads a type whose extra_vars injectors nest arrays and objects, as AWX allows', async () => {
    const extraVars = {
      db: { user: '{{ user }}', hosts: ['{{ host }}', { port: '{{ port }}' }] },
      '{{user}}_token': '{{ token }}',
    };
    nock(awxBase)
      .get('/api/v2/credential_types/')
      .query({ kind: 'cloud', page_size: '200' })
      .reply(200, page([{ ...credentialType(4), injectors: { extra_vars: extraVars } }]));
    const [type] = await new CredentialTypesApi(onceTransport()).listCredentialTypes({
      kind: 'cloud',
    });
    expect(type?.injectors.extra_vars).toEqual(extraVars);
  });
});

describe('CredentialsApi', () => {
  it('lists by name prefix and organization', async () => {
    nock(awxBase)
      .get('/api/v2/credentials/')
      .query({ name__startswith: 'roundhouse-ephemeral-ab-', organization: '2', page_size: '200' })
      .reply(
        200,
        page([{ id: 3, name: 'roundhouse-ephemeral-ab-db', organization: 2, credential_type: 4 }]),
      );
    const found = await new CredentialsApi(onceTransport()).listCredentials({
      nameStartsWith: 'roundhouse-ephemeral-ab-',
      organization: 2,
    });
    expect(found.map((c) => c.id)).toEqual([3]);
  });

  it('lists by ids, and answers an empty id list without asking', async () => {
    nock(awxBase)
      .get('/api/v2/credentials/')
      .query({ id__in: '3,8', page_size: '200' })
      .reply(200, page([{ id: 3, name: 'a', organization: 2, credential_type: 4 }]));
    const api = new CredentialsApi(onceTransport());
    expect((await api.listCredentials({ ids: [3, 8] })).map((c) => c.id)).toEqual([3]);
    expect(await api.listCredentials({ ids: [] })).toEqual([]);
  });

  it('answers false for a credential that is gone', async () => {
    nock(awxBase)
      .delete('/api/v2/credentials/4/')
      .reply(404, { detail: 'Not found.' })
      .delete('/api/v2/credentials/5/')
      .reply(204);
    const credentials = new CredentialsApi(onceTransport());
    expect(await credentials.deleteCredential(4)).toBe(false);
    expect(await credentials.deleteCredential(5)).toBe(true);
  });

  it('withholds what AWX says about credential inputs, and any message quoting one', async () => {
    const canary = 'canary-7d1e0f';
    nock(awxBase)
      .post('/api/v2/credentials/')
      .reply(400, {
        detail: `bad ${canary}`,
        inputs: { password: ['is not valid'] },
        name: [`name clashes with ${canary}`],
        organization: ['Invalid pk "7" - object does not exist.'],
      });
    const error = await new CredentialsApi(onceTransport())
      .createCredential({
        name: 'c',
        description: '',
        organization: 7,
        credential_type: 9,
        inputs: { password: canary },
      })
      .catch((e: unknown) => e);
    const withheld = '(message withheld: it may quote a secret value)';
    expect(error).toMatchObject({
      statusCode: 400,
      detail: withheld,
      fields: [
        { path: 'inputs.password', message: withheld },
        { path: 'name', message: withheld },
        { path: 'organization', message: 'Invalid pk "7" - object does not exist.' },
      ],
    });
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(canary);
  });
});
