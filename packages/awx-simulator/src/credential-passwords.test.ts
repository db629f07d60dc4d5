import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, AwxValidationError, startAwxSimulator } from './index.js';
import { opensshKey } from './pem.test-support.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
let machine: number;
let vault: number;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
};
const typeNamed = (name: string) =>
  sim.state.credentialTypes().find((t) => t.name === name)?.id as number;
const seed = (name: string, credential_type: number, inputs: Record<string, string>) =>
  sim.state.addCredential({ name, credential_type, organization: 1, inputs }).id;

beforeAll(async () => {
  sim = await startAwxSimulator();
  machine = typeNamed('Machine');
  vault = typeNamed('Vault');
});
afterAll(() => sim.stop());

describe("a template's credentials in AWX's order, by name (Credential.Meta.ordering)", () => {
  it('lists their passwords, defaults and summaries by name, not as they were attached', async () => {
    const ssh = seed('zz-name-order-ssh', machine, { username: 'u', password: 'ASK' });
    const dev = seed('aa-name-order-vault', vault, { vault_password: 'ASK', vault_id: 'dev' });
    const template = sim.state.addJobTemplate({ name: 'name-order', credentials: [ssh, dev] }).id;
    const needed = ['vault_password.dev', 'ssh_password'];

    const info = (await request('GET', `job_templates/${template}/launch/`)).body;
    expect(info.passwords_needed_to_start).toEqual(needed);
    expect(info.defaults.credentials.map((c: { id: number }) => c.id)).toEqual([dev, ssh]);
    expect(await request('POST', `job_templates/${template}/launch/`, {})).toEqual({
      status: 400,
      body: { passwords_needed_to_start: needed },
    });
    const shown = (await request('GET', `job_templates/${template}/`)).body;
    expect(shown.summary_fields.credentials.map((c: { id: number }) => c.id)).toEqual([dev, ssh]);
  });
});

describe('passwords a credential asks for at launch', () => {
  let template: number;
  let ssh: number;
  let prod: number;
  beforeAll(() => {
    ssh = seed('ask-ssh', machine, { username: 'u', password: 'ASK', become_password: 'ASK' });
    prod = seed('ask-vault', vault, { vault_password: 'ASK', vault_id: 'prod' });
    template = sim.state.addJobTemplate({ name: 'asks', credentials: [ssh, prod] }).id;
  });

  it('shows ASK as it is and lists the passwords in GET launch/', async () => {
    expect((await request('GET', `credentials/${ssh}/`)).body.inputs).toEqual({
      username: 'u',
      password: 'ASK',
      become_password: 'ASK',
    });
    const info = (await request('GET', `job_templates/${template}/launch/`)).body;
    expect(info).toMatchObject({
      can_start_without_user_input: false,
      passwords_needed_to_start: ['ssh_password', 'become_password', 'vault_password.prod'],
    });
    expect(info.defaults.credentials).toEqual([
      expect.objectContaining({ id: ssh, passwords_needed: ['ssh_password', 'become_password'] }),
      expect.objectContaining({
        id: prod,
        passwords_needed: ['vault_password.prod'],
        vault_id: 'prod',
      }),
    ]);
  });

  it('refuses a launch that lacks one, and makes no job', async () => {
    const before = sim.state.jobs().length;
    expect(
      await request('POST', `job_templates/${template}/launch/`, {
        credential_passwords: { ssh_password: 'x', become_password: 'y' },
      }),
    ).toEqual({ status: 400, body: { passwords_needed_to_start: ['vault_password.prod'] } });
    expect(sim.state.jobs()).toHaveLength(before);
  });

  it('launches with them in credential_passwords or, as older clients send them, at the top', async () => {
    const passwords = { ssh_password: 'x', become_password: 'y', 'vault_password.prod': 'z' };
    const nested = await request('POST', `job_templates/${template}/launch/`, {
      credential_passwords: passwords,
    });
    expect(nested.status).toBe(201);
    expect((await request('POST', `job_templates/${template}/launch/`, passwords)).status).toBe(
      201,
    );
  });

  it('refuses an empty one after making the job, naming every password the job needs', async () => {
    const refused = await request('POST', `job_templates/${template}/launch/`, {
      credential_passwords: { ssh_password: '', become_password: 'y', 'vault_password.prod': 'z' },
    });
    expect(refused).toEqual({
      status: 400,
      body: {
        passwords_needed_to_start: ['ssh_password', 'become_password', 'vault_password.prod'],
      },
    });
    const last = sim.state.jobs().at(-1)?.id as number;
    const next = await request('POST', `job_templates/${template}/launch/`, {
      credential_passwords: { ssh_password: 'x', become_password: 'y', 'vault_password.prod': 'z' },
    });
    // The job AWX deleted used up an id.
    expect(next.body.job).toBe(last + 2);
  });

  it('answers a list of passwords that names a needed one with AWX 500', async () => {
    const answer = await request('POST', `job_templates/${template}/launch/`, {
      credential_passwords: ['ssh_password'],
    });
    expect(answer.status).toBe(500);
  });
});

describe('the passphrase of an encrypted private key', () => {
  it('is asked for at launch when saved as ASK, and only for an encrypted key', async () => {
    const encrypted = seed('ask-unlock', machine, {
      ssh_key_data: opensshKey('aes256-ctr'),
      ssh_key_unlock: 'ASK',
    });
    const plain = seed('plain-key', machine, { ssh_key_data: opensshKey('none') });
    const template = sim.state.addJobTemplate({ name: 'unlocks', credentials: [encrypted] }).id;
    const info = (await request('GET', `job_templates/${template}/launch/`)).body;
    expect(info.passwords_needed_to_start).toEqual(['ssh_key_unlock']);
    expect(await request('POST', `job_templates/${template}/launch/`, {})).toEqual({
      status: 400,
      body: { passwords_needed_to_start: ['ssh_key_unlock'] },
    });
    const launched = await request('POST', `job_templates/${template}/launch/`, {
      credential_passwords: { ssh_key_unlock: 'passphrase' },
    });
    expect(launched.status).toBe(201);
    const unasked = sim.state.addJobTemplate({ name: 'plain', credentials: [plain] }).id;
    expect((await request('GET', `job_templates/${unasked}/launch/`)).body).toMatchObject({
      passwords_needed_to_start: [],
    });
  });
});

describe('vault credentials, told apart by vault_id', () => {
  let dev: number;
  let devAgain: number;
  let stage: number;
  let template: number;
  beforeAll(() => {
    dev = seed('vault-dev', vault, { vault_password: 'a', vault_id: 'dev' });
    devAgain = seed('vault-dev-2', vault, { vault_password: 'b', vault_id: 'dev' });
    stage = seed('vault-stage', vault, { vault_password: 'c', vault_id: 'stage' });
    template = sim.state.addJobTemplate({
      name: 'vaults',
      askCredentialOnLaunch: true,
      credentials: [dev],
    }).id;
  });

  it('refuses a template with two of one vault_id, but takes two of different ids', () => {
    expect(() =>
      sim.state.addJobTemplate({ name: 'same-id', credentials: [dev, devAgain] }),
    ).toThrow(AwxValidationError);
    expect(() =>
      sim.state.addJobTemplate({ name: 'same-id', credentials: [dev, devAgain] }),
    ).toThrow('Cannot assign multiple Vault (id=dev) credentials.');
    expect(
      sim.state.addJobTemplate({ name: 'two-ids', credentials: [dev, stage] }).credentials,
    ).toEqual([dev, stage]);
  });

  it('adds a vault of another id at launch, and replaces the one of the same id', async () => {
    const added = await request('POST', `job_templates/${template}/launch/`, {
      credentials: [dev, stage],
    });
    expect(added.status).toBe(201);
    expect(sim.state.job(added.body.job)?.credentials).toEqual([dev, stage]);
    const replaced = await request('POST', `job_templates/${template}/launch/`, {
      credentials: [devAgain],
    });
    expect(replaced.status).toBe(201);
    expect(sim.state.job(replaced.body.job)?.credentials).toEqual([devAgain]);
  });

  it('refuses two new vaults of one id at launch', async () => {
    const other = sim.state.addJobTemplate({ name: 'no-vault', askCredentialOnLaunch: true }).id;
    expect(
      await request('POST', `job_templates/${other}/launch/`, { credentials: [dev, devAgain] }),
    ).toEqual({
      status: 400,
      body: { credentials: ['Cannot assign multiple Vault (id=dev) credentials.'] },
    });
  });
});
