import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';
import { opensshKey, rsaKey } from './pem.test-support.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
let typeId: number;
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
const credential = (name: string, inputs: unknown, extra: Record<string, unknown> = {}) =>
  request('POST', 'credentials/', {
    name,
    credential_type: typeId,
    organization: 1,
    inputs,
    ...extra,
  });

beforeAll(async () => {
  sim = await startAwxSimulator();
  typeId = sim.state.addCredentialType({
    name: 'kubernaut-secret-db',
    kind: 'cloud',
    inputs: {
      fields: [
        { id: 'username', label: 'username' },
        { id: 'password', label: 'password', secret: true },
        { id: 'tls', label: 'tls', type: 'boolean' },
      ],
    },
    injectors: { env: { DB_PASSWORD: '{{ password }}' } },
  }).id;
});
afterAll(() => sim.stop());

describe('credentials', () => {
  it('stores inputs and reads secrets back as $encrypted$', async () => {
    const created = await credential('db-1', { username: 'app', password: 's3cret', tls: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization: 1,
      credential_type: typeId,
      kind: 'cloud',
      inputs: { username: 'app', password: '$encrypted$', tls: true },
    });
    const shown = await request(
      'GET',
      `credentials/?name=db-1&credential_type=${typeId}&organization=1`,
    );
    expect(shown.body.results[0].inputs.password).toBe('$encrypted$');
    expect(sim.state.liveCredentials({ origin: 'api' })[0]?.inputs.password).toBe('s3cret');
  });

  it('refuses inputs the type does not define', async () => {
    expect(await credential('db-2', { password: 'x', bogus: 'y' })).toEqual({
      status: 400,
      body: { inputs: ["Additional properties are not allowed ('bogus' was unexpected)"] },
    });
  });

  it('refuses inputs of the wrong type under the field name', async () => {
    expect((await credential('db-3', { password: 1, tls: 'yes' })).body).toEqual({
      inputs: { password: ["1 is not of type 'string'"], tls: ["'yes' is not of type 'boolean'"] },
    });
  });

  it('refuses the reserved $encrypted$ value for a secret', async () => {
    expect((await credential('db-4', { password: '$encrypted$' })).body).toEqual({
      inputs: ['$encrypted$ is a reserved keyword, and cannot be used for password.'],
    });
  });

  it("refuses an input its format does not allow, with AWX's checkers' messages", async () => {
    const typeNamed = (name: string) => sim.state.credentialTypes().find((t) => t.name === name);
    const machine = { credential_type: typeNamed('Machine')?.id };
    expect((await credential('ssh-1', { ssh_key_data: 'not a key' }, machine)).body).toEqual({
      inputs: { ssh_key_data: ['Invalid certificate or key: not a key...'] },
    });
    expect((await credential('ssh-2', { ssh_key_data: opensshKey('none') }, machine)).status).toBe(
      201,
    );
    // A key whose base64 Python cannot decode fails AWX's checker with a 500.
    const broken = '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----';
    expect((await credential('ssh-3', { ssh_key_data: broken }, machine)).status).toBe(500);
    const vault = { credential_type: typeNamed('Vault')?.id };
    expect(
      (await credential('vault-1', { vault_password: 'x', vault_id: 'a@b' }, vault)).body,
    ).toEqual({ inputs: { vault_id: ['@ is not an allowed character'] } });
    const site = sim.state.addCredentialType({
      name: 'site',
      kind: 'cloud',
      inputs: { fields: [{ id: 'endpoint', label: 'Endpoint', format: 'url' }] },
    });
    const url = async (endpoint: string) =>
      (await credential(`site-${endpoint}`, { endpoint }, { credential_type: site.id })).body;
    expect(await url('example.com')).toEqual({
      inputs: { endpoint: ['Invalid URL: Missing url scheme (http, https, etc.)'] },
    });
    expect(await url('https:example.com')).toEqual({
      inputs: { endpoint: ['Invalid URL: https:example.com'] },
    });
    expect(await url('https://example.com/v2')).toMatchObject({
      inputs: { endpoint: 'https://example.com/v2' },
    });
  });

  it('takes a passphrase exactly when the private key is encrypted', async () => {
    const machine = {
      credential_type: sim.state.credentialTypes().find((t) => t.name === 'Machine')?.id,
    };
    expect((await credential('unlock-1', { ssh_key_data: rsaKey(true) }, machine)).body).toEqual({
      inputs: { ssh_key_unlock: ['must be set when SSH key is encrypted.'] },
    });
    const plain = { ssh_key_data: opensshKey('none'), ssh_key_unlock: 'ASK' };
    expect((await credential('unlock-2', plain, machine)).body).toEqual({
      inputs: { ssh_key_unlock: ['should not be set when SSH key is not encrypted.'] },
    });
    const encrypted = { ssh_key_data: opensshKey('aes256-ctr'), ssh_key_unlock: 'ASK' };
    expect((await credential('unlock-3', encrypted, machine)).body.inputs).toEqual({
      ssh_key_data: '$encrypted$',
      ssh_key_unlock: 'ASK',
    });
  });

  it('refuses a name or description holding a NUL, as every DRF CharField does', async () => {
    expect(await credential('db\u0000', {})).toEqual({
      status: 400,
      body: { name: ['Null characters are not allowed.'] },
    });
    expect((await credential('db-nul', {}, { description: '\u0000' })).body).toEqual({
      description: ['Null characters are not allowed.'],
    });
  });

  it("takes a name or description Python counts false as '', as AWX's CharNullField does, leaving a blank name to full_clean", async () => {
    for (const description of [null, false, 0, [], {}]) {
      const made = await credential(`db-quiet-${JSON.stringify(description)}`, {}, { description });
      expect([description, made.status, made.body.description]).toEqual([description, 201, '']);
    }
    expect(await credential(null as unknown as string, {})).toEqual({
      status: 400,
      body: { name: ['This field cannot be blank.'] },
    });
    // full_clean checks name before inputs, and both are told.
    expect((await credential(false as unknown as string, 'x')).body).toEqual({
      name: ['This field cannot be blank.'],
      inputs: ['str provided, expected dict'],
    });
    expect(Object.keys((await credential(0 as unknown as string, 'x')).body)).toEqual([
      'name',
      'inputs',
    ]);
    // Text is DRF's CharField's as before: blank, or not text at all.
    expect((await credential('  ', {})).body).toEqual({ name: ['This field may not be blank.'] });
    expect((await credential('db-list', {}, { description: ['x'] })).body).toEqual({
      description: ['Not a valid string.'],
    });
  });

  it("reads a primary key given as text with int()'s whitespace and Unicode's digits", async () => {
    const arabicIndic = [...String(typeId)]
      .map((digit) => String.fromCodePoint(0x660 + Number(digit)))
      .join('');
    const created = await credential('db-digits', {}, { credential_type: `\u0085${arabicIndic}` });
    expect(created.status).toBe(201);
    expect(created.body.credential_type).toBe(typeId);
    expect((await credential('db-bom', {}, { credential_type: `\ufeff${typeId}` })).body).toEqual({
      credential_type: ['Incorrect type. Expected pk value, received str.'],
    });
    // An integer beyond 2**53 (JSON.stringify writes 2 ** 60 as 1152921504606847000) is a pk like
    // any other to int(); no object has it.
    expect((await credential('db-huge', {}, { credential_type: 2 ** 60 })).body).toEqual({
      credential_type: ['Invalid pk "1152921504606847000" - object does not exist.'],
    });
  });

  it('refuses unknown related objects, a missing owner and a duplicate', async () => {
    expect((await credential('db-5', {}, { credential_type: 999 })).body).toEqual({
      credential_type: ['Invalid pk "999" - object does not exist.'],
    });
    expect((await credential('db-5', {}, { organization: 'one' })).body).toEqual({
      organization: ['Incorrect type. Expected pk value, received str.'],
    });
    expect((await credential('db-5', {}, { organization: null })).body).toEqual({
      detail: ["Missing 'user', 'team', or 'organization'."],
    });
    await credential('db-6', {});
    expect((await credential('db-6', {})).body).toEqual({
      __all__: ['Credential with this Organization, Name and Credential type already exists.'],
    });
  });

  it('deletes with 204, then answers 404', async () => {
    const { id } = (await credential('db-7', { password: 'p' })).body;
    expect((await request('DELETE', `credentials/${id}/`)).status).toBe(204);
    expect(await request('GET', `credentials/${id}/`)).toEqual({
      status: 404,
      body: { detail: 'No Credential matches the given query.' },
    });
    expect((await request('DELETE', `credentials/${id}/`)).status).toBe(404);
  });

  it('deletes a credential a job still waits to use, drops it from the job and records it', async () => {
    const { id } = (await credential('in-use', { password: 'p' })).body;
    const template = sim.state.addJobTemplate({
      name: 'uses-it',
      askCredentialOnLaunch: true,
      schedule: { pendingMs: 60_000 },
    });
    const launched = await request('POST', `job_templates/${template.id}/launch/`, {
      credentials: [id],
    });
    expect(launched.body.summary_fields.credentials.map((c: { id: number }) => c.id)).toEqual([id]);
    expect((await request('DELETE', `credentials/${id}/`)).status).toBe(204);
    const job = await request('GET', `jobs/${launched.body.job}/`);
    expect(job.body.summary_fields.credentials).toEqual([]);
    expect(sim.state.job(launched.body.job)?.credentials).toEqual([]);
    expect(sim.state.deletedCredentials().at(-1)).toEqual({
      id,
      name: 'in-use',
      activeJobs: [launched.body.job],
    });
  });

  it('records no job as left without a deleted credential once its cancel was acknowledged', async () => {
    const { id } = (await credential('flagged', { password: 'p' })).body;
    const template = sim.state.addJobTemplate({
      name: 'flagged-uses-it',
      askCredentialOnLaunch: true,
      schedule: { pendingMs: 0, waitingMs: 60_000, cancelMs: 60_000 },
    });
    const launched = await request('POST', `job_templates/${template.id}/launch/`, {
      credentials: [id],
    });
    await vi.waitFor(() => expect(sim.state.job(launched.body.job)?.status).toBe('waiting'));
    const cancel = await fetch(`${sim.apiUrl}jobs/${launched.body.job}/cancel/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    expect(cancel.status).toBe(202);
    expect(sim.state.job(launched.body.job)).toMatchObject({ status: 'waiting', cancelFlag: true });
    expect((await request('DELETE', `credentials/${id}/`)).status).toBe(204);
    // RunJob.run ends a flagged job before it builds an environment: it never runs without it.
    expect(sim.state.deletedCredentials().at(-1)).toEqual({ id, name: 'flagged', activeJobs: [] });
  });

  it('keeps a record of live credentials that makes leak checks one line', async () => {
    const seeded = sim.state.addCredential({
      name: 'template-owned',
      credential_type: typeId,
      organization: 1,
    });
    for (const c of sim.state.liveCredentials({ origin: 'api' })) {
      await request('DELETE', `credentials/${c.id}/`);
    }
    expect(sim.state.liveCredentials({ origin: 'api' })).toEqual([]);
    expect(sim.state.liveCredentials().map((c) => c.id)).toEqual([seeded.id]);
  });
});
