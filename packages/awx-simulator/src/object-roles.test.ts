import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

async function read(on: AwxSimulator, path: string): Promise<Body> {
  const response = await fetch(`${on.apiUrl}${path}`, {
    headers: { Authorization: `Bearer ${on.token}` },
  });
  expect(response.status).toBe(200);
  return response.json();
}

async function post(on: AwxSimulator, path: string, body: unknown): Promise<Body> {
  const response = await fetch(`${on.apiUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${on.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response.json();
}

/** The simulator's one user as SUMMARIZABLE_FK_FIELDS['user'] summarises it (serializers.py). */
const ADMIN = { id: 1, username: 'admin', first_name: '', last_name: '' };

/** The ids of an object's roles, in the order its summary lists them. */
const roleIds = (body: Body): number[] =>
  Object.values(body.summary_fields.object_roles as Record<string, { id: number }>).map(
    (role) => role.id,
  );

const machineType = (on: AwxSimulator): number =>
  on.state.credentialTypes().find((t) => t.namespace === 'ssh')?.id as number;

describe('object_roles (BaseSerializer.get_summary_fields; rbac.py role_summary_fields_generator)', () => {
  let admin: AwxSimulator;
  let user: AwxSimulator;

  beforeAll(async () => {
    admin = await startAwxSimulator();
    user = await startAwxSimulator({ superuser: false });
  });
  afterAll(() => Promise.all([admin.stop(), user.stop()]));

  it("a job template's three roles, described for a 'job template', after created_by and modified_by", async () => {
    const template = admin.state.addJobTemplate({ name: 'roles' });
    const body = await read(admin, `job_templates/${template.id}/`);
    const first = roleIds(body)[0] as number;
    // JobTemplate's ImplicitRoleFields in declaration order (models/jobs.py); description, name,
    // id as the generator writes them, execute_role's from its dict's `default`.
    expect(body.summary_fields.object_roles).toEqual({
      admin_role: {
        description: 'Can manage all aspects of the job template',
        name: 'Admin',
        id: first,
      },
      execute_role: { description: 'May run the job template', name: 'Execute', id: first + 1 },
      read_role: {
        description: 'May view settings for the job template',
        name: 'Read',
        id: first + 2,
      },
    });
    expect(Object.keys(body.summary_fields.object_roles.admin_role)).toEqual([
      'description',
      'name',
      'id',
    ]);
    expect(body.summary_fields.created_by).toEqual(ADMIN);
    expect(body.summary_fields.modified_by).toEqual(ADMIN);
    expect(body.related.created_by).toBe('/api/v2/users/1/');
    expect(body.related.modified_by).toBe(body.related.created_by);
  });

  it('shows the same roles to a user with only execute, whose user_capabilities differ', async () => {
    const members = user.state.addOrganization('Members', '', 'member').id;
    const template = user.state.addJobTemplate({
      name: 'run only',
      organization: members,
      role: 'execute',
    });
    const body = await read(user, `job_templates/${template.id}/`);
    expect(Object.keys(body.summary_fields.object_roles)).toEqual([
      'admin_role',
      'execute_role',
      'read_role',
    ]);
    expect(body.summary_fields.created_by).toEqual(ADMIN);
    expect(body.summary_fields.user_capabilities).toMatchObject({
      edit: false,
      delete: false,
      start: true,
    });
    const listed = await read(user, `job_templates/?id=${template.id}`);
    expect(listed.results[0].summary_fields.object_roles).toEqual(body.summary_fields.object_roles);
  });

  it("an organization's thirteen roles, admin and member user_only (OrganizationSerializer)", async () => {
    const org = admin.state.addOrganization('Roles', 'with roles');
    const body = await read(admin, `organizations/${org.id}/`);
    const roles = body.summary_fields.object_roles;
    const first = roleIds(body)[0] as number;
    expect(Object.keys(roles)).toEqual([
      'admin_role',
      'execute_role',
      'project_admin_role',
      'inventory_admin_role',
      'credential_admin_role',
      'workflow_admin_role',
      'notification_admin_role',
      'job_template_admin_role',
      'execution_environment_admin_role',
      'auditor_role',
      'member_role',
      'read_role',
      'approval_role',
    ]);
    expect(roleIds(body)).toEqual(Array.from({ length: 13 }, (_, i) => first + i));
    expect(roles.admin_role).toEqual({
      description: 'Can manage all aspects of the organization',
      name: 'Admin',
      id: first,
      user_only: true,
    });
    expect(roles.execute_role).toEqual({
      description: 'May run any executable resources in the organization',
      name: 'Execute',
      id: first + 1,
    });
    expect(roles.member_role).toEqual({
      description: 'User is a member of the organization',
      name: 'Member',
      id: first + 10,
      user_only: true,
    });
    expect(roles.approval_role).toEqual({
      description: 'Can approve or deny a workflow approval node',
      name: 'Approve',
      id: first + 12,
    });
    expect(roles.job_template_admin_role.description).toBe(
      'Can manage all job templates of the organization',
    );
    expect(Object.keys(body.summary_fields)).toEqual([
      'created_by',
      'modified_by',
      'object_roles',
      'user_capabilities',
    ]);
  });

  it("a credential's three roles, after its organization's and type's summaries", async () => {
    const created = await post(admin, 'credentials/', {
      name: 'machine',
      credential_type: machineType(admin),
      organization: 1,
    });
    const body = await read(admin, `credentials/${created.id}/`);
    const first = roleIds(body)[0] as number;
    expect(body.summary_fields.object_roles).toEqual({
      admin_role: {
        description: 'Can manage all aspects of the credential',
        name: 'Admin',
        id: first,
      },
      use_role: {
        description: 'Can use the credential in a job template',
        name: 'Use',
        id: first + 1,
      },
      read_role: {
        description: 'May view settings for the credential',
        name: 'Read',
        id: first + 2,
      },
    });
    expect(Object.keys(body.summary_fields)).toEqual([
      'organization',
      'credential_type',
      'created_by',
      'modified_by',
      'object_roles',
      'user_capabilities',
    ]);
    expect(body.summary_fields.created_by).toEqual(ADMIN);
  });

  it('gives every object role ids of its own, which stay the same, as rows of main_rbac_roles', async () => {
    const org = admin.state.addOrganization('Unique');
    const credential = admin.state.addCredential({
      name: 'unique',
      credential_type: machineType(admin),
      organization: org.id,
    });
    const one = admin.state.addJobTemplate({ name: 'one', organization: org.id });
    const two = admin.state.addJobTemplate({ name: 'two', organization: org.id });
    const paths = [
      `organizations/${org.id}/`,
      `credentials/${credential.id}/`,
      `job_templates/${one.id}/`,
      `job_templates/${two.id}/`,
      'organizations/1/',
    ];
    const ids = (await Promise.all(paths.map((path) => read(admin, path)))).flatMap(roleIds);
    expect(ids).toHaveLength(13 + 3 + 3 + 3 + 13);
    expect(new Set(ids).size).toBe(ids.length);
    const again = (await Promise.all(paths.map((path) => read(admin, path)))).flatMap(roleIds);
    expect(again).toEqual(ids);
  });

  it('leaves them off a credential type, whose model has none; a managed one has no creator', async () => {
    const types = await read(admin, 'credential_types/?managed=true&page_size=1');
    expect(Object.keys(types.results[0].summary_fields)).toEqual(['user_capabilities']);
    expect(types.results[0].related.created_by).toBeUndefined();
    const custom = await post(admin, 'credential_types/', {
      name: 'custom',
      kind: 'cloud',
      inputs: {},
      injectors: {},
    });
    expect(Object.keys(custom.summary_fields)).toEqual([
      'created_by',
      'modified_by',
      'user_capabilities',
    ]);
    expect(custom.summary_fields.modified_by).toEqual(ADMIN);
  });
});

describe("a job's and a workflow job's created_by and modified_by (PrimordialModel.save)", () => {
  let sim: AwxSimulator;

  beforeAll(async () => {
    sim = await startAwxSimulator();
  });
  afterAll(() => sim.stop());

  const job = (id: number) => read(sim, `jobs/${id}/`);

  it('names the launching user until the task manager starts the job, then only created_by', async () => {
    const template = sim.state.addJobTemplate({
      name: 'started',
      schedule: { pendingMs: 300, runningMs: 60_000, cancelMs: 0 },
    });
    const ops = { id: 7, username: 'ops' };
    const { id } = sim.state.launch(template.id, {}, ops);
    const pending = await job(id);
    expect(pending.status).toBe('pending');
    const summary = { id: 7, username: 'ops', first_name: '', last_name: '' };
    expect(pending.summary_fields.created_by).toEqual(summary);
    expect(pending.summary_fields.modified_by).toEqual(summary);
    expect(pending.related.modified_by).toBe(pending.related.created_by);
    expect(Object.keys(pending.summary_fields)).toEqual([
      'organization',
      'job_template',
      'unified_job_template',
      'created_by',
      'modified_by',
      'user_capabilities',
      'credentials',
    ]);
    // start_task saves its instance_group outside any request: no user modified it.
    await vi.waitFor(() => expect(sim.state.job(id)?.status).toBe('running'), { timeout: 5_000 });
    const running = await job(id);
    expect(running.summary_fields.created_by).toEqual(summary);
    expect(running.summary_fields.modified_by).toBeUndefined();
    expect(running.related.modified_by).toBeUndefined();
  });

  it('keeps modified_by on a job canceled before it started', async () => {
    const template = sim.state.addJobTemplate({
      name: 'never started',
      schedule: { pendingMs: 60_000, runningMs: 60_000, cancelMs: 0 },
    });
    const launched = await post(sim, `job_templates/${template.id}/launch/`, {});
    expect(launched.summary_fields.modified_by).toEqual(ADMIN);
    const response = await fetch(`${sim.apiUrl}jobs/${launched.id}/cancel/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    expect(response.status).toBe(202);
    const canceled = await job(launched.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.summary_fields.modified_by).toEqual(ADMIN);
  });

  it("gives a slice its workflow job's created_by and no modified_by; the workflow job keeps both", async () => {
    const template = sim.state.addJobTemplate({
      name: 'sliced',
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs: 0 },
    });
    const launched = await post(sim, `job_templates/${template.id}/launch/`, {});
    const workflowJob = launched.workflow_job as number;
    await vi.waitFor(
      () =>
        expect(sim.state.workflowJobs().find((w) => w.id === workflowJob)?.jobs).toHaveLength(2),
      { timeout: 5_000 },
    );
    const workflow = await read(sim, `workflow_jobs/${workflowJob}/`);
    expect(workflow.status).toBe('running');
    expect(workflow.summary_fields.created_by).toEqual(ADMIN);
    expect(workflow.summary_fields.modified_by).toEqual(ADMIN);
    const [slice] = sim.state.workflowJobs().find((w) => w.id === workflowJob)?.jobs ?? [];
    const body = await job(slice as number);
    expect(body.summary_fields.created_by).toEqual(ADMIN);
    expect(body.summary_fields.modified_by).toBeUndefined();
    expect(body.summary_fields.object_roles).toBeUndefined();
  });
});
