/**
 * A sliced launch's workflow job over HTTP: the slice jobs it spawns once it runs, where AWX
 * shows them, how its status follows theirs, and how a cancel reaches them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, type JobScheduleInput, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

const denied = {
  status: 403,
  body: { detail: 'You do not have permission to perform this action.' },
};
const other = { id: 2, username: 'kubernaut' };
const CANNOT_START =
  'Job spawned from workflow could not start because it was not in the right state or required manual credentials';
/** Generous bounds for a loaded machine; the schedules below stay far inside them. */
const patience = { timeout: 10_000, interval: 20 };

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

describe('the jobs of a sliced launch', () => {
  let sim: AwxSimulator;
  let call: ReturnType<typeof caller>;

  beforeAll(async () => {
    sim = await startAwxSimulator();
    call = caller(sim);
  });
  afterAll(() => sim.stop());

  const slicing = (schedule: JobScheduleInput, slices = 3) =>
    sim.state.addJobTemplate({
      name: `sliced-${Math.random()}`,
      jobSliceCount: slices,
      inventoryHosts: 5,
      askVariablesOnLaunch: true,
      schedule,
    });
  const launch = async (template: number, extraVars: Record<string, unknown> = {}) => {
    const launched = await call('POST', `job_templates/${template}/launch/`, {
      extra_vars: extraVars,
    });
    expect(launched.status).toBe(201);
    return launched.body.workflow_job as number;
  };
  const workflowJob = async (id: number) => (await call('GET', `workflow_jobs/${id}/`)).body;
  const slicesOf = async (template: number) =>
    (await call('GET', `jobs/?job_template=${template}&launch_type=workflow&order_by=id`)).body
      .results as Body[];

  it('spawns a job per slice once the workflow job runs, each with the launch marker, and succeeds with them', async () => {
    const template = slicing({ pendingMs: 0, runningMs: 300 });
    const id = await launch(template.id, { marker: 'uid-123' });
    await vi.waitFor(async () => expect(await slicesOf(template.id)).toHaveLength(3), patience);
    const slices = await slicesOf(template.id);
    expect(slices.map((job) => job.job_slice_number)).toEqual([1, 2, 3]);
    for (const job of slices) {
      expect(job).toMatchObject({
        type: 'job',
        job_template: template.id,
        launch_type: 'workflow',
        job_slice_count: 3,
        allow_simultaneous: true,
        related: { source_workflow_job: expect.stringMatching(`/workflow_jobs/${id}/$`) },
        summary_fields: { source_workflow_job: { id, name: template.name, failed: false } },
      });
      expect(JSON.parse(job.extra_vars)).toEqual({ marker: 'uid-123' });
    }
    // The marker is still found by reading extra_vars, never by filtering on it.
    expect((await call('GET', 'jobs/?extra_vars__contains=uid-123')).status).toBe(403);
    expect(
      (await call('GET', `jobs/?job_template=${template.id}&launch_type=manual`)).body,
    ).toEqual(expect.objectContaining({ count: 0 }));
    const nodes = (await call('GET', `workflow_jobs/${id}/workflow_nodes/`)).body;
    expect(nodes.count).toBe(3);
    expect(nodes.results.map((node: Body) => node.job)).toEqual(slices.map((job) => job.id));
    expect(nodes.results[0]).toMatchObject({
      type: 'workflow_job_node',
      workflow_job: id,
      unified_job_template: template.id,
      do_not_run: false,
      summary_fields: { job: { id: slices[0].id, type: 'job' } },
    });

    await vi.waitFor(
      async () => expect((await workflowJob(id)).status).toBe('successful'),
      patience,
    );
    expect(await workflowJob(id)).toMatchObject({ failed: false, job_explanation: '' });
    expect((await workflowJob(id)).finished).not.toBeNull();
    expect((await slicesOf(template.id)).map((job) => job.status)).toEqual([
      'successful',
      'successful',
      'successful',
    ]);
  });

  it('fails the workflow job when its slices fail', async () => {
    const template = slicing({ pendingMs: 0, runningMs: 50, outcome: 'failed' }, 2);
    const id = await launch(template.id);
    await vi.waitFor(async () => expect((await workflowJob(id)).status).toBe('failed'), patience);
    expect(await workflowJob(id)).toMatchObject({
      failed: true,
      job_explanation: 'No error handling paths found, marking workflow as failed',
    });
  });

  it('starts the workflow job but fails every slice when the launch left a password empty', async () => {
    const machine = sim.state.credentialTypes().find((t) => t.name === 'Machine')?.id as number;
    const asking = sim.state.addCredential({
      name: `asks-${Math.random()}`,
      credential_type: machine,
      organization: 1,
      inputs: { username: 'u', password: 'ASK' },
    });
    const template = sim.state.addJobTemplate({
      name: `sliced-asks-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      credentials: [asking.id],
      schedule: { pendingMs: 0, runningMs: 60_000 },
    });
    const launched = await call('POST', `job_templates/${template.id}/launch/`, {
      credential_passwords: { ssh_password: '' },
    });
    expect(launched.status).toBe(201);
    const id = launched.body.workflow_job as number;
    await vi.waitFor(async () => expect((await workflowJob(id)).status).toBe('failed'), patience);
    expect((await workflowJob(id)).job_explanation).toBe(
      'No error handling paths found, marking workflow as failed',
    );
    const slices = await slicesOf(template.id);
    expect(slices.map((job) => [job.status, job.started, job.job_explanation])).toEqual([
      ['failed', null, CANNOT_START],
      ['failed', null, CANNOT_START],
    ]);

    const given = await call('POST', `job_templates/${template.id}/launch/`, {
      credential_passwords: { ssh_password: 'pw' },
    });
    await vi.waitFor(
      async () =>
        expect(
          (await slicesOf(template.id))
            .filter((job) => job.summary_fields.source_workflow_job.id === given.body.workflow_job)
            .map((job) => job.status),
        ).toEqual(['running', 'running']),
      patience,
    );
  });

  it('lists no slice while the workflow job is pending', async () => {
    const template = slicing({ pendingMs: 60_000 });
    const id = await launch(template.id);
    expect((await workflowJob(id)).status).toBe('pending');
    expect(await slicesOf(template.id)).toEqual([]);
    expect((await call('GET', `workflow_jobs/${id}/workflow_nodes/`)).body.results).toMatchObject([
      { job: null },
      { job: null },
      { job: null },
    ]);
    expect((await call('POST', `workflow_jobs/${id}/cancel/`)).status).toBe(202);
    expect((await workflowJob(id)).status).toBe('canceled');
    expect(await slicesOf(template.id)).toEqual([]);
  });

  it('cancels the running slices when the workflow job is canceled, and ends it once they ended', async () => {
    const template = slicing({ pendingMs: 0, runningMs: 60_000, cancelMs: 1_000 }, 2);
    const id = await launch(template.id);
    await vi.waitFor(
      async () =>
        expect((await slicesOf(template.id)).map((job) => job.status)).toEqual([
          'running',
          'running',
        ]),
      patience,
    );
    expect((await call('POST', `workflow_jobs/${id}/cancel/`)).status).toBe(202);
    // The slices are flagged; AWX ends the workflow job only once they have stopped.
    expect((await workflowJob(id)).status).toBe('running');
    expect((await slicesOf(template.id)).map((job) => job.status)).toEqual(['running', 'running']);
    const [first] = await slicesOf(template.id);
    expect((await call('GET', `jobs/${first.id}/cancel/`)).body).toEqual({ can_cancel: true });
    await vi.waitFor(async () => expect((await workflowJob(id)).status).toBe('canceled'), patience);
    expect((await slicesOf(template.id)).map((job) => job.status)).toEqual([
      'canceled',
      'canceled',
    ]);
    expect(await workflowJob(id)).toMatchObject({ failed: true });
    expect((await call('POST', `workflow_jobs/${id}/cancel/`)).status).toBe(405);
  });

  it('fails the workflow job, not cancels it, when its slices are canceled on their own', async () => {
    const template = slicing({ pendingMs: 0, runningMs: 60_000, cancelMs: 0 }, 2);
    const id = await launch(template.id);
    await vi.waitFor(
      async () =>
        expect((await slicesOf(template.id)).map((job) => job.status)).toEqual([
          'running',
          'running',
        ]),
      patience,
    );
    const [first, second] = await slicesOf(template.id);
    expect((await call('POST', `jobs/${first.id}/cancel/`)).status).toBe(202);
    await vi.waitFor(
      async () => expect((await call('GET', `jobs/${first.id}/`)).body.status).toBe('canceled'),
      patience,
    );
    // One slice still runs: the workflow job waits for it.
    expect((await workflowJob(id)).status).toBe('running');
    expect((await call('POST', `jobs/${second.id}/cancel/`)).status).toBe(202);
    await vi.waitFor(async () => expect((await workflowJob(id)).status).toBe('failed'), patience);
    expect(await workflowJob(id)).toMatchObject({
      failed: true,
      canceled_on: null,
      job_explanation: 'No error handling paths found, marking workflow as failed',
    });
  });
});

describe('the jobs of a sliced launch, to a user who is not a System Administrator', () => {
  let sim: AwxSimulator;
  let call: ReturnType<typeof caller>;
  // Templates whose own role is what counts: the organization's `member` passes none down.
  let organization: number;

  beforeAll(async () => {
    sim = await startAwxSimulator({ superuser: false });
    call = caller(sim);
    organization = sim.state.addOrganization('Slices of members', '', 'member').id;
  });
  afterAll(() => sim.stop());

  const running = async (role: 'none' | 'read' | 'admin') => {
    const template = sim.state.addJobTemplate({
      name: `sliced-${role}-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      organization,
      role,
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs: 0 },
    });
    const workflow = sim.state.launch(template.id, {}, other);
    await vi.waitFor(
      () => expect(sim.state.jobs().filter((j) => j.jobTemplate === template.id)).toHaveLength(2),
      patience,
    );
    const slices = sim.state.jobs().filter((j) => j.jobTemplate === template.id);
    return { template, workflow, slices };
  };

  it('hides the slices and the workflow job of a template it may not read', async () => {
    const { template, workflow, slices } = await running('none');
    expect((await call('GET', `jobs/?job_template=${template.id}`)).body.count).toBe(0);
    expect(await call('GET', `jobs/${slices[0]?.id}/`)).toEqual(denied);
    expect(await call('GET', `workflow_jobs/${workflow.id}/`)).toEqual(denied);
    expect(await call('GET', `workflow_jobs/${workflow.id}/workflow_nodes/`)).toEqual(denied);
    expect(await call('POST', `workflow_jobs/${workflow.id}/cancel/`)).toEqual(denied);
  });

  it("reads another user's slices with read, and cancels neither them nor its workflow job", async () => {
    const { template, workflow, slices } = await running('read');
    expect((await call('GET', `jobs/?job_template=${template.id}`)).body.count).toBe(2);
    expect((await call('GET', `workflow_jobs/${workflow.id}/`)).status).toBe(200);
    expect(await call('POST', `jobs/${slices[0]?.id}/cancel/`)).toEqual(denied);
    expect(await call('POST', `workflow_jobs/${workflow.id}/cancel/`)).toEqual(denied);
    expect(sim.state.workflowJobs().find((w) => w.id === workflow.id)?.cancelFlag).toBe(false);
  });

  it("cancels another user's slices as the template's admin, but not its workflow job, which has no workflow job template", async () => {
    const { workflow, slices } = await running('admin');
    expect(await call('POST', `workflow_jobs/${workflow.id}/cancel/`)).toEqual(denied);
    expect((await call('POST', `jobs/${slices[0]?.id}/cancel/`)).status).toBe(202);
  });

  // WorkflowJobAccess.can_cancel: the job's creator, or can_delete (a System Administrator, or the
  // workflow_admin_role of a workflow job template's organization: a sliced launch has no such
  // template), or that template's admin_role; and only while it can be canceled, so a finished
  // one is a 403 here where a System Administrator gets the view's 405.
  it('cancels the workflow job it launched itself with execute alone, and is refused once it ended', async () => {
    const template = sim.state.addJobTemplate({
      name: `sliced-own-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      organization,
      role: 'execute',
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs: 0 },
    });
    const launched = await call('POST', `job_templates/${template.id}/launch/`, {});
    expect(launched.status).toBe(201);
    const id = launched.body.workflow_job as number;
    expect(await call('POST', `workflow_jobs/${id}/cancel/`)).toEqual({
      status: 202,
      body: undefined,
    });
    await vi.waitFor(
      async () => expect((await call('GET', `workflow_jobs/${id}/`)).body.status).toBe('canceled'),
      patience,
    );
    expect(await call('POST', `workflow_jobs/${id}/cancel/`)).toEqual(denied);
  });
});
