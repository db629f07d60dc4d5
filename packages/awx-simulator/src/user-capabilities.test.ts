import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

/** A user who is no superuser, a System Administrator and a Read-scope token, a simulator each. */
async function startSimulators() {
  return {
    sim: await startAwxSimulator({ superuser: false }),
    admin: await startAwxSimulator(),
    readOnly: await startAwxSimulator({ tokenScope: 'read' }),
  };
}

const stopAll = (...sims: AwxSimulator[]) => Promise.all(sims.map((on) => on.stop()));

/** GET `path` as the simulator's user; it must answer 200. */
async function readAs(on: AwxSimulator, path: string): Promise<Body> {
  const response = await fetch(`${on.apiUrl}${path}`, {
    headers: { Authorization: `Bearer ${on.token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Body;
}

async function capabilities(sim: AwxSimulator, templateId: number) {
  const read = (path: string) => readAs(sim, path);
  const detail = await read(`job_templates/${templateId}/`);
  const list = await read(`job_templates/?id=${templateId}`);
  // The list's page prefetch (capabilities_prefetch) and the detail's checks agree.
  expect(list.results[0].summary_fields.user_capabilities).toEqual(
    detail.summary_fields.user_capabilities,
  );
  return detail.summary_fields.user_capabilities;
}

describe("a job template's user_capabilities", () => {
  let sim: AwxSimulator;
  let admin: AwxSimulator;
  let readOnly: AwxSimulator;
  // Its `member` role passes nothing down: the template's own role counts.
  let organization: number;

  beforeAll(async () => {
    ({ sim, admin, readOnly } = await startSimulators());
    organization = sim.state.addOrganization('Members only', '', 'member').id;
  });
  afterAll(() => stopAll(sim, admin, readOnly));

  it('follow the role: edit and delete need admin, start and schedule execute', async () => {
    const template = (role: 'read' | 'execute' | 'admin') =>
      sim.state.addJobTemplate({ name: role, organization, role }).id;
    // Copy asks Use on the demo inventory and project, which the user's admin role on
    // `Default` gives, not any role on the template.
    expect(await capabilities(sim, template('read'))).toEqual({
      edit: false,
      delete: false,
      start: false,
      schedule: false,
      copy: true,
    });
    expect(await capabilities(sim, template('execute'))).toEqual({
      edit: false,
      delete: false,
      start: true,
      schedule: true,
      copy: true,
    });
    expect(await capabilities(sim, template('admin'))).toEqual({
      edit: true,
      delete: true,
      start: true,
      schedule: true,
      copy: true,
    });
  });

  it('count what the organization passes down', async () => {
    const executor = sim.state.addOrganization('Executors', '', 'execute').id;
    const template = sim.state.addJobTemplate({
      name: 'run',
      organization: executor,
      role: 'read',
    });
    expect(await capabilities(sim, template.id)).toMatchObject({ edit: false, start: true });
  });

  it('refuse start, schedule and copy of a template without an inventory, to anyone', async () => {
    const template = admin.state.addJobTemplate({ name: 'orphan', inventory: null });
    expect(await capabilities(admin, template.id)).toEqual({
      edit: true,
      delete: true,
      start: false,
      schedule: false,
      copy: false,
    });
  });

  it('are all false for a token of Read scope, a System Administrator’s too', async () => {
    const template = readOnly.state.addJobTemplate({ name: 'any' });
    expect(await capabilities(readOnly, template.id)).toEqual({
      edit: false,
      delete: false,
      start: false,
      schedule: false,
      copy: false,
    });
  });

  it('are all true for a System Administrator', async () => {
    const template = admin.state.addJobTemplate({ name: 'every', role: 'none' });
    expect(await capabilities(admin, template.id)).toEqual({
      edit: true,
      delete: true,
      start: true,
      schedule: true,
      copy: true,
    });
  });
});

describe("a job's and a sliced launch's workflow job's user_capabilities", () => {
  let sim: AwxSimulator;
  let admin: AwxSimulator;
  let readOnly: AwxSimulator;

  const read = readAs;

  beforeAll(async () => {
    ({ sim, admin, readOnly } = await startSimulators());
  });
  afterAll(() => stopAll(sim, admin, readOnly));

  it('start a job only with execute on its template, delete it as its organization admin', async () => {
    // The organization's auditor reads every job there and passes read down to its templates.
    const audited = sim.state.addOrganization('Audited', '', 'auditor').id;
    const readable = sim.state.addJobTemplate({
      name: 'read',
      organization: audited,
      role: 'read',
    });
    const runnable = sim.state.addJobTemplate({ name: 'run', role: 'execute' });
    const seen = sim.state.launch(readable.id, {});
    const run = sim.state.launch(runnable.id, {});
    const capabilities = async (id: number) =>
      (await read(sim, `jobs/${id}/`)).summary_fields.user_capabilities;
    expect(await capabilities(seen.id)).toEqual({ delete: false, start: false });
    // `Default`, the template's organization, is administered by the user.
    expect(await capabilities(run.id)).toEqual({ delete: true, start: true });
    const rows = (await read(sim, 'jobs/?order_by=id')).results;
    expect(rows.map((r: Body) => r.summary_fields.user_capabilities)).toEqual([
      { delete: false, start: false },
      { delete: true, start: true },
    ]);
  });

  it('are all false on a job for a token of Read scope', async () => {
    const template = readOnly.state.addJobTemplate({ name: 'any' });
    const job = readOnly.state.launch(template.id, {});
    expect((await read(readOnly, `jobs/${job.id}/`)).summary_fields.user_capabilities).toEqual({
      delete: false,
      start: false,
    });
  });

  it('of a workflow job without a workflow job template: a System Administrator only', async () => {
    const seed = { name: 'sliced', jobSliceCount: 2, inventoryHosts: 2 };
    const capabilities = async (on: AwxSimulator) => {
      const template = on.state.addJobTemplate(seed);
      const workflowJob = on.state.launch(template.id);
      return (await read(on, `workflow_jobs/${workflowJob.id}/`)).summary_fields.user_capabilities;
    };
    expect(await capabilities(admin)).toEqual({ delete: true, start: true });
    // WorkflowJobAccess.can_delete answers None, not False, for one that is no admin.
    expect(await capabilities(sim)).toEqual({ delete: null, start: false });
    expect(await capabilities(readOnly)).toEqual({ delete: false, start: false });
  });
});

describe("a credential's, a credential type's and an organization's user_capabilities", () => {
  let sim: AwxSimulator;
  let admin: AwxSimulator;
  let readOnly: AwxSimulator;

  const capabilities = async (on: AwxSimulator, path: string) =>
    (await readAs(on, path)).summary_fields.user_capabilities;
  const machine = (on: AwxSimulator) =>
    on.state.credentialTypes().find((t) => t.name === 'Machine')?.id as number;

  beforeAll(async () => {
    ({ sim, admin, readOnly } = await startSimulators());
  });
  afterAll(() => stopAll(sim, admin, readOnly));

  it('copy a credential for a System Administrator only, and show use to a Read token', async () => {
    const organization = sim.state.addOrganization('Creds', '', 'credential_admin').id;
    const owned = sim.state.addCredential({
      name: 'owned',
      credential_type: machine(sim),
      organization,
    });
    // Its admin may edit and delete it, but can_add without an owner field refuses the copy.
    expect(await capabilities(sim, `credentials/${owned.id}/`)).toEqual({
      edit: true,
      delete: true,
      copy: false,
      use: true,
    });
    const mine = readOnly.state.addCredential({
      name: 'any',
      credential_type: machine(readOnly),
      organization: 1,
    });
    expect(await capabilities(readOnly, `credentials/${mine.id}/`)).toEqual({
      edit: false,
      delete: false,
      copy: false,
      use: true,
    });
  });

  it("show a managed credential type's edit and delete to a System Administrator", async () => {
    expect(await capabilities(admin, `credential_types/${machine(admin)}/`)).toEqual({
      edit: true,
      delete: true,
    });
    expect(await capabilities(sim, `credential_types/${machine(sim)}/`)).toEqual({
      edit: false,
      delete: false,
    });
    expect(await capabilities(readOnly, `credential_types/${machine(readOnly)}/`)).toEqual({
      edit: false,
      delete: false,
    });
  });

  it("let an organization's admin edit and delete it, no other role", async () => {
    const member = sim.state.addOrganization('Members', '', 'member').id;
    expect(await capabilities(sim, `organizations/${member}/`)).toEqual({
      edit: false,
      delete: false,
    });
    expect(await capabilities(sim, 'organizations/1/')).toEqual({ edit: true, delete: true });
    expect(await capabilities(readOnly, 'organizations/1/')).toEqual({
      edit: false,
      delete: false,
    });
  });
});
