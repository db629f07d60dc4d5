import { ConfigurationError } from '@roundhouse/core';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { awxBase, page, useNock } from './awx-nock.test-support.js';

/*
 * kubernaut's AWXHTTPClient credential cases (test/unit/workflowexecution/awx_client_test.go at
 * 05af3c6, pkg/workflowexecution/awx_client_test.go at d5a4a87) against AwxClient, each request
 * as kubernaut's httptest server checks it. Where the client answers otherwise (a type nobody
 * has, a credential already gone), the case says so: see docs/backends/awx.md. Their TLS case
 * with a private CA (awx_tls_test.go's UT-WE-902-004) is in test/tls.test.ts: the CA is given
 * as caBundle, per client, where kubernaut reads TLS_CA_FILE for the whole process.
 */

useNock();

const client = () => new AwxClient({ baseUrl: awxBase, token: 'test-token', retries: 0 });

const description = 'made for one execution';

/** A credential type as AWX answers its create. */
const storedType = (id: number, name: string) => ({
  id,
  name,
  kind: 'cloud',
  managed: false,
  inputs: { fields: [] },
  injectors: {},
});

describe("kubernaut's AWX client credential cases", () => {
  it('UT-WE-015-010, UT-WE-015-011: creates a cloud credential type with its inputs and injectors, authenticated, and names the status AWX refused it with', async () => {
    const name = 'kubernaut-secret-gitea-repo-creds';
    const inputs = {
      fields: [
        { id: 'username', label: 'username', type: 'string' as const, secret: true },
        { id: 'password', label: 'password', type: 'string' as const, secret: true },
      ],
    };
    const injectors = {
      env: {
        KUBERNAUT_SECRET_GITEA_REPO_CREDS_USERNAME: '{{username}}',
        KUBERNAUT_SECRET_GITEA_REPO_CREDS_PASSWORD: '{{password}}',
      },
    };
    nock(awxBase, {
      reqheaders: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
    })
      .post('/api/v2/credential_types/', { name, description, kind: 'cloud', inputs, injectors })
      .reply(201, storedType(15, name))
      .post('/api/v2/credential_types/')
      .reply(400, { detail: 'name already exists' });
    const awx = client();
    expect(
      (await awx.createCredentialType({ name, description, kind: 'cloud', inputs, injectors })).id,
    ).toBe(15);
    await expect(
      awx.createCredentialType({
        name: 'dup',
        description,
        kind: 'cloud',
        inputs: {},
        injectors: {},
      }),
    ).rejects.toThrow(/answered 400: name already exists/);
  });

  it('UT-WE-015-012, UT-WE-015-013: finds a credential type by name, and answers null (kubernaut: a not-found error) for a name nobody has', async () => {
    const name = 'kubernaut-secret-gitea-repo-creds';
    nock(awxBase)
      .get('/api/v2/credential_types/')
      .query((q) => q.name === name)
      .reply(200, page([storedType(15, name)]))
      .get('/api/v2/credential_types/')
      .query((q) => q.name === 'nonexistent')
      .reply(200, page([]));
    const awx = client();
    expect((await awx.findCredentialType(name, 'cloud'))?.id).toBe(15);
    expect(await awx.findCredentialType('nonexistent', 'cloud')).toBeNull();
  });

  it('UT-WE-015-014, UT-WE-015-015: creates a credential of the type in the organization with the Secret values, and names the status AWX refused it with', async () => {
    const request = {
      name: 'kubernaut-ephemeral-gitea-repo-creds',
      description,
      credential_type: 15,
      organization: 1,
      inputs: { username: 'admin', password: 'secret123' },
    };
    nock(awxBase)
      .post('/api/v2/credentials/', request)
      .reply(201, { id: 42, name: request.name, organization: 1, credential_type: 15 })
      .post('/api/v2/credentials/')
      .reply(403, { detail: 'insufficient permissions' });
    const awx = client();
    expect((await awx.createCredential(request)).id).toBe(42);
    await expect(awx.createCredential({ ...request, name: 'test', inputs: {} })).rejects.toThrow(
      /answered 403: insufficient permissions/,
    );
  });

  it('UT-WE-015-016, UT-WE-015-017: deletes a credential by id, authenticated; one AWX no longer has is false (kubernaut: an error), any other refusal an error', async () => {
    nock(awxBase, { reqheaders: { authorization: 'Bearer test-token' } })
      .delete('/api/v2/credentials/42/')
      .reply(204)
      .delete('/api/v2/credentials/99/')
      .reply(404, { detail: 'not found' })
      .delete('/api/v2/credentials/7/')
      .reply(403, { detail: 'You do not have permission to perform this action.' });
    const awx = client();
    expect(await awx.deleteCredential(42)).toBe(true);
    expect(await awx.deleteCredential(99)).toBe(false);
    await expect(awx.deleteCredential(7)).rejects.toThrow(/answered 403/);
  });

  it('UT-WE-015-018, UT-WE-015-019, UT-WE-015-020: launches with extra_vars as an object and the credential ids in order, without a credentials key when there are none, and names the status of a refused launch', async () => {
    nock(awxBase)
      .post('/api/v2/job_templates/10/launch/', {
        extra_vars: { TARGET_NAMESPACE: 'demo-ns' },
        credentials: [42, 55],
      })
      .reply(201, { job: 77, ignored_fields: {} })
      .post('/api/v2/job_templates/10/launch/', (body) => !('credentials' in body))
      .reply(201, { job: 78, ignored_fields: {} })
      .post('/api/v2/job_templates/10/launch/')
      .reply(400, { detail: 'invalid credentials' });
    const awx = client();
    expect(
      await awx.launch(10, { extraVars: { TARGET_NAMESPACE: 'demo-ns' }, credentials: [42, 55] }),
    ).toMatchObject({ job: 77 });
    expect(await awx.launch(10, { extraVars: {} })).toMatchObject({ job: 78 });
    await expect(awx.launch(10, { extraVars: {}, credentials: [999] })).rejects.toThrow(
      /answered 400: invalid credentials/,
    );
  });

  it('UT-WE-902-001, UT-WE-902-002, UT-WE-902-003: builds a client for a base URL and a token, and refuses an empty base URL or token, naming the option', () => {
    expect(
      new AwxClient({ baseUrl: 'https://awx.example.com', token: 'test-token' }),
    ).toBeInstanceOf(AwxClient);
    const refusal = (options: { baseUrl: string; token: string }) => {
      try {
        new AwxClient(options);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const noUrl = refusal({ baseUrl: '', token: 'test-token' });
    expect(noUrl).toBeInstanceOf(ConfigurationError);
    expect((noUrl as ConfigurationError).issues.map((i) => i.path)).toEqual(['awx.baseUrl']);
    const noToken = refusal({ baseUrl: 'https://awx.example.com', token: '' });
    expect(noToken).toBeInstanceOf(ConfigurationError);
    expect((noToken as ConfigurationError).issues.map((i) => i.path)).toEqual(['awx.token']);
    // kubernaut's words name its Go parameter (baseURL); these name the option as it is spelt.
    expect(String(noUrl)).toContain('baseUrl');
    expect(String(noToken)).toContain('token');
  });

  it('UT-WE-902-005: reaches an AWX served over plain HTTP, authenticated', async () => {
    const plain = 'http://awx.test';
    nock(plain, { reqheaders: { authorization: 'Bearer test-token' } })
      .get('/api/v2/job_templates/')
      .query((q) => q.name === 'test-template')
      .reply(
        200,
        page([
          {
            id: 42,
            name: 'test-template',
            organization: 1,
            ask_variables_on_launch: true,
            ask_credential_on_launch: true,
          },
        ]),
      );
    const awx = new AwxClient({ baseUrl: plain, token: 'test-token', retries: 0 });
    expect((await awx.findJobTemplate('test-template')).id).toBe(42);
  });
});
