import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

const denied = {
  status: 403,
  body: { detail: 'You do not have permission to perform this action.' },
};

function caller(sim: AwxSimulator) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.apiUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Body };
  };
}

const slow = { pendingMs: 10_000 };
const other = { id: 2, username: 'kubernaut' };

describe('a user who is not a System Administrator, on job templates and jobs', () => {
  let sim: AwxSimulator;
  let call: ReturnType<typeof caller>;
  // Templates whose own role is what counts: the organization's `member` passes none down.
  let organization: number;

  beforeAll(async () => {
    sim = await startAwxSimulator({ superuser: false });
    call = caller(sim);
    organization = sim.state.addOrganization('Members only', '', 'member').id;
  });
  afterAll(() => sim.stop());

  it('does not see a template it may not read in lists, and gets 403 on its views', async () => {
    const hidden = sim.state.addJobTemplate({
      name: 'hidden',
      organization,
      role: 'none',
      schedule: slow,
    });
    const job = sim.state.launch(hidden.id, {}, other);
    expect((await call('GET', 'job_templates/?name=hidden')).body.count).toBe(0);
    for (const view of ['', 'launch/', 'credentials/', 'survey_spec/']) {
      expect(await call('GET', `job_templates/${hidden.id}/${view}`)).toEqual(denied);
    }
    expect(await call('POST', `job_templates/${hidden.id}/launch/`, {})).toEqual(denied);
    // A template that does not exist is a 404 whatever the user's rights.
    expect((await call('GET', 'job_templates/999/launch/')).status).toBe(404);
    expect((await call('GET', `jobs/?job_template=${hidden.id}`)).body.count).toBe(0);
    expect(await call('GET', `jobs/${job.id}/`)).toEqual(denied);
    expect(await call('POST', `jobs/${job.id}/cancel/`)).toEqual(denied);
  });

  it('reads but may not launch a template it only reads, nor edit its survey', async () => {
    const readable = sim.state.addJobTemplate({ name: 'readable', organization, role: 'read' });
    expect((await call('GET', 'job_templates/?name=readable')).body.count).toBe(1);
    expect((await call('GET', `job_templates/${readable.id}/launch/`)).status).toBe(200);
    expect(await call('POST', `job_templates/${readable.id}/launch/`, {})).toEqual(denied);
    expect(await call('DELETE', `job_templates/${readable.id}/survey_spec/`)).toEqual(denied);
    expect(sim.state.jobs().filter((j) => j.jobTemplate === readable.id)).toEqual([]);
  });

  it('launches with execute, and cancels its own jobs but not others’', async () => {
    const template = sim.state.addJobTemplate({
      name: 'executable',
      organization,
      role: 'execute',
      schedule: slow,
    });
    const launched = await call('POST', `job_templates/${template.id}/launch/`, {});
    expect(launched.status).toBe(201);
    expect(launched.body.launched_by).toMatchObject({ id: 1, name: 'admin' });
    const theirs = sim.state.launch(template.id, {}, other);
    expect((await call('GET', `jobs/${theirs.id}/`)).body.launched_by).toMatchObject({
      id: 2,
      name: 'kubernaut',
    });
    expect(await call('POST', `jobs/${theirs.id}/cancel/`)).toEqual(denied);
    expect((await call('POST', `jobs/${launched.body.job}/cancel/`)).status).toBe(202);
    expect(sim.state.job(theirs.id)?.status).toBe('pending');
  });

  it('cancels a job it launched on a template it may no longer read, which it cannot see', async () => {
    const template = sim.state.addJobTemplate({
      name: 'revoked',
      organization,
      role: 'none',
      schedule: slow,
    });
    const own = sim.state.launch(template.id, {});
    expect(await call('GET', `jobs/${own.id}/`)).toEqual(denied);
    expect(await call('GET', `jobs/${own.id}/cancel/`)).toEqual(denied);
    expect(await call('POST', `jobs/${own.id}/cancel/`)).toEqual({ status: 202, body: undefined });
    expect(sim.state.job(own.id)?.status).toBe('canceled');
    // Once it ended, can_cancel refuses it: a 403, where a System Administrator gets a 405.
    expect(await call('POST', `jobs/${own.id}/cancel/`)).toEqual(denied);
  });

  it('launches with a credential it adds only when it may use it', async () => {
    const type = sim.state.addCredentialType({
      name: 'launch-use',
      kind: 'cloud',
      inputs: { fields: [{ id: 'token', label: 'token', secret: true }] },
    });
    const elsewhere = sim.state.addOrganization('Launch elsewhere', '', 'member');
    const credential = (name: string, role?: 'read' | 'use') =>
      sim.state.addCredential({
        name,
        credential_type: type.id,
        organization: elsewhere.id,
        inputs: { token: 't' },
        ...(role ? { role } : {}),
      }).id;
    const template = sim.state.addJobTemplate({
      name: 'prompts-credentials',
      role: 'execute',
      askCredentialOnLaunch: true,
      schedule: slow,
    });
    const launch = (id: number) =>
      call('POST', `job_templates/${template.id}/launch/`, { credentials: [id] });
    // JobLaunchConfigAccess.can_add: Use on each credential the launch adds.
    expect(await launch(credential('readable', 'read'))).toEqual(denied);
    expect(await launch(credential('not granted'))).toEqual(denied);
    expect(sim.state.jobs().filter((j) => j.jobTemplate === template.id)).toEqual([]);
    expect((await launch(credential('usable', 'use'))).status).toBe(201);
    // The organization's credential admin role gives admin, and so Use, on its credentials.
    const own = await call('POST', 'credentials/', {
      name: 'made here',
      credential_type: type.id,
      organization: 1,
      inputs: { token: 't' },
    });
    expect((await launch(own.body.id)).status).toBe(201);
    // The serializer's 400 comes first.
    expect(
      (await call('POST', `job_templates/${template.id}/launch/`, { credentials: [999] })).status,
    ).toBe(400);
  });

  it('cancels anyone’s job of a template it is an admin of', async () => {
    const template = sim.state.addJobTemplate({ name: 'administered', schedule: slow });
    const theirs = sim.state.launch(template.id, {}, other);
    expect((await call('POST', `jobs/${theirs.id}/cancel/`)).status).toBe(202);
  });
});

describe('a System Administrator', () => {
  it('reads, launches and cancels whatever its roles say', async () => {
    const sim = await startAwxSimulator({ superuser: true });
    try {
      const call = caller(sim);
      const template = sim.state.addJobTemplate({ name: 'any', role: 'none', schedule: slow });
      const theirs = sim.state.launch(template.id, {}, other);
      expect((await call('GET', 'job_templates/?name=any')).body.count).toBe(1);
      expect((await call('POST', `job_templates/${template.id}/launch/`, {})).status).toBe(201);
      expect((await call('POST', `jobs/${theirs.id}/cancel/`)).status).toBe(202);
    } finally {
      await sim.stop();
    }
  });
});

describe('organizations and credential owners', () => {
  let sim: AwxSimulator;
  let admin: AwxSimulator;
  let typeId: number;

  beforeAll(async () => {
    sim = await startAwxSimulator({ superuser: false });
    admin = await startAwxSimulator({ superuser: true });
    typeId = sim.state.credentialTypes().find((t) => t.name === 'Machine')?.id as number;
  });
  afterAll(async () => {
    await sim.stop();
    await admin.stop();
  });

  const body = (owners: Record<string, unknown>) => ({
    name: `c-${Math.random()}`,
    credential_type: typeId,
    inputs: {},
    ...owners,
  });

  it('hides an organization the user has no role in', async () => {
    const org = sim.state.addOrganization('Elsewhere', '', 'none');
    expect((await caller(sim)('GET', 'organizations/?name=Elsewhere')).body.count).toBe(0);
    expect(await caller(sim)('GET', `organizations/${org.id}/`)).toEqual(denied);
  });

  it('creates credentials only where the user is an admin or credential admin', async () => {
    const call = caller(sim);
    const member = sim.state.addOrganization('Members', '', 'member');
    const creds = sim.state.addOrganization('Creds', '', 'credential_admin');
    expect(await call('POST', 'credentials/', body({ organization: member.id }))).toEqual(denied);
    expect((await call('POST', 'credentials/', body({ organization: creds.id }))).status).toBe(201);
    expect((await call('POST', 'credentials/', body({ organization: 1 }))).status).toBe(201);
    expect(await call('POST', 'credentials/', body({ organization: 999 }))).toEqual({
      status: 400,
      body: { detail: 'Organization matching query does not exist.' },
    });
    expect(sim.state.liveCredentials().map((c) => c.organization)).toEqual([creds.id, 1]);
  });

  it('refuses a body without an owner with 403 before any field error, unless it is empty', async () => {
    const call = caller(sim);
    expect(await call('POST', 'credentials/', { name: 'x', credential_type: 'nope' })).toEqual(
      denied,
    );
    expect(await call('POST', 'credentials/', body({ organization: null }))).toEqual(denied);
    // CredentialAccess.can_add passes an empty body, for the browsable API.
    expect(await call('POST', 'credentials/', {})).toMatchObject({
      status: 400,
      body: { name: ['This field is required.'] },
    });
  });

  it('takes exactly one owner, as CredentialSerializerCreate does', async () => {
    const call = caller(admin);
    expect(await call('POST', 'credentials/', body({}))).toEqual({
      status: 400,
      body: { detail: ["Missing 'user', 'team', or 'organization'."] },
    });
    expect(await call('POST', 'credentials/', body({ organization: 1, user: 1 }))).toEqual({
      status: 400,
      body: {
        detail: [
          "Only one of 'user', 'team', or 'organization' should be provided, received organization, user fields.",
        ],
      },
    });
    expect(await call('POST', 'credentials/', body({ team: 4 }))).toEqual({
      status: 400,
      body: { team: ['Invalid pk "4" - object does not exist.'] },
    });
    const mine = await call('POST', 'credentials/', body({ user: 1, organization: null }));
    expect(mine.status).toBe(201);
    expect(mine.body.organization).toBeNull();
    expect(mine.body.summary_fields.organization).toBeUndefined();
  });

  it('lists and shows the credentials it may read, and deletes only those it administers', async () => {
    const call = caller(sim);
    const elsewhere = sim.state.addOrganization('Credentials elsewhere', '', 'member');
    const seed = (name: string, role?: 'read' | 'use') =>
      sim.state.addCredential({
        name,
        credential_type: typeId,
        organization: elsewhere.id,
        ...(role ? { role } : {}),
      });
    const hidden = seed('cred-hidden');
    const readable = seed('cred-readable', 'read');
    const usable = seed('cred-usable', 'use');
    const listed = await call('GET', 'credentials/?name__startswith=cred-');
    expect(listed.body.results.map((c: { name: string }) => c.name)).toEqual([
      'cred-readable',
      'cred-usable',
    ]);
    expect(listed.body.results[1].summary_fields.user_capabilities).toEqual({
      edit: false,
      delete: false,
      copy: false,
      use: true,
    });
    expect(await call('GET', `credentials/${hidden.id}/`)).toEqual(denied);
    expect((await call('GET', `credentials/${readable.id}/`)).status).toBe(200);
    for (const credential of [hidden, readable, usable]) {
      expect(await call('DELETE', `credentials/${credential.id}/`)).toEqual(denied);
    }
    expect((await call('DELETE', 'credentials/999/')).status).toBe(404);
    // Its organization's credential admin role makes it admin of the credential.
    const made = await call('POST', 'credentials/', body({ organization: 1 }));
    expect((await call('DELETE', `credentials/${made.body.id}/`)).status).toBe(204);
  });

  it('deletes no managed credential, even as a System Administrator', async () => {
    const galaxy = admin.state.addCredential({
      name: 'Ansible Galaxy',
      credential_type: typeId,
      organization: 1,
      managed: true,
    });
    const call = caller(admin);
    expect((await call('GET', `credentials/${galaxy.id}/`)).body).toMatchObject({
      managed: true,
      summary_fields: { user_capabilities: { edit: false, delete: false } },
    });
    expect(await call('DELETE', `credentials/${galaxy.id}/`)).toEqual({
      status: 403,
      body: { detail: 'Deletion not allowed for managed credentials' },
    });
    expect((await call('GET', 'credentials/?managed=true')).body.count).toBe(1);
  });

  it("reads an owner's id with Python's int() and truth, as get_object_from_data does", async () => {
    const post = async (owners: string) => {
      const text = `{"name": "c-${Math.random()}", "credential_type": ${typeId}, "inputs": {}, ${owners}}`;
      const response = await fetch(`${sim.apiUrl}credentials/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
        body: text,
      });
      return { status: response.status, body: (await response.json()) as Body };
    };
    // int(1.9) is 1: the organization the user administers.
    expect(await post('"organization": 1.9')).toMatchObject({
      status: 201,
      body: { organization: 1 },
    });
    expect(await post('"team": " 1_0 "')).toEqual({
      status: 400,
      body: { detail: 'Team matching query does not exist.' },
    });
    expect(await post('"organization": NaN')).toEqual({
      status: 400,
      body: { detail: 'Bad data found in related field organization.' },
    });
    expect((await post('"organization": Infinity')).status).toBe(500);
    // 0.0 is false, so no owner is given.
    expect(await post('"organization": 0.0')).toEqual(denied);
  });

  it("reads an owner's id given as text with int()'s whitespace and Unicode's digits", async () => {
    const post = async (organization: unknown) => {
      const response = await fetch(`${sim.apiUrl}credentials/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: `c-${Math.random()}`,
          credential_type: typeId,
          inputs: {},
          organization,
        }),
      });
      return { status: response.status, body: (await response.json()) as Body };
    };
    const created = { status: 201, body: { organization: 1 } };
    // ARABIC-INDIC DIGIT ONE, and NEXT LINE before it: int() reads both, JavaScript's \d and \s not.
    expect(await post('\u0661')).toMatchObject(created);
    expect(await post('\u00851')).toMatchObject(created);
    const badData = {
      status: 400,
      body: { detail: 'Bad data found in related field organization.' },
    };
    // int() refuses the byte order mark, which trim() removes, and U+001C, which strip() removes.
    expect(await post('\ufeff1')).toEqual(badData);
    expect(await post('\u001c1')).toEqual(badData);
    // An integer beyond 2**53 is a pk like any other to int(); no organization has it.
    expect(await post(2 ** 60)).toEqual({
      status: 400,
      body: { detail: 'Organization matching query does not exist.' },
    });
  });

  it('lets a user own a credential itself, and no one else', async () => {
    const call = caller(sim);
    expect((await call('POST', 'credentials/', body({ user: 1 }))).status).toBe(201);
    expect(await call('POST', 'credentials/', body({ user: 7 }))).toEqual({
      status: 400,
      body: { detail: 'User matching query does not exist.' },
    });
    expect(await call('POST', 'credentials/', body({ team: 'two' }))).toEqual({
      status: 400,
      body: { detail: 'Bad data found in related field team.' },
    });
  });
});
