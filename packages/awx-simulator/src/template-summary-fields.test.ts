import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const shown = async (id: number): Promise<Body> =>
  (
    await fetch(`${sim.apiUrl}job_templates/${id}/`, {
      headers: { Authorization: `Bearer ${sim.token}` },
    })
  ).json();

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe("a template's summary_fields (BaseSerializer.get_summary_fields, serializers.py:429)", () => {
  it('summarises its organization, inventory and project with the fields SUMMARIZABLE_FK_FIELDS names, in its order', async () => {
    const org = sim.state.addOrganization('Ops', 'the ops team');
    const template = sim.state.addJobTemplate({
      name: 'summarised',
      organization: org.id,
      inventoryHosts: 3,
    });
    const body = await shown(template.id);
    expect(Object.keys(body.summary_fields)).toEqual([
      'organization',
      'inventory',
      'project',
      'created_by',
      'modified_by',
      'object_roles',
      'user_capabilities',
      'labels',
      'recent_jobs',
      'credentials',
    ]);
    expect(body.summary_fields).toMatchObject({
      organization: { id: org.id, name: 'Ops', description: 'the ops team' },
      inventory: { id: 1, name: 'Demo Inventory', total_hosts: 3, organization_id: 1, kind: '' },
      project: { id: 1, name: 'Demo Project', status: 'successful', scm_type: 'git' },
      labels: { count: 0, results: [] },
    });
  });

  it('leaves out an inventory or project the template lost', async () => {
    const template = sim.state.addJobTemplate({ name: 'orphan', inventory: null, project: null });
    const body = await shown(template.id);
    expect(body.summary_fields.inventory).toBeUndefined();
    expect(body.summary_fields.project).toBeUndefined();
  });

  it('shows the current job while it runs, then the last job with finished, failed and canceled_on', async () => {
    const template = sim.state.addJobTemplate({
      name: 'last and current',
      schedule: { pendingMs: 5, runningMs: 60_000, cancelMs: 0 },
    });
    const { id } = sim.state.launch(template.id);
    await vi.waitFor(() => expect(sim.state.job(id)?.status).toBe('running'), { timeout: 5_000 });
    expect((await shown(template.id)).summary_fields.current_job).toEqual({
      id,
      name: 'last and current',
      description: '',
      status: 'running',
      failed: false,
    });
    await fetch(`${sim.apiUrl}jobs/${id}/cancel/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    await vi.waitFor(() => expect(sim.state.job(id)?.status).toBe('canceled'), { timeout: 5_000 });
    const body = await shown(template.id);
    expect(body.summary_fields.current_job).toBeUndefined();
    expect(body.summary_fields.last_job).toEqual({
      id,
      name: 'last and current',
      description: '',
      finished: body.last_job_run,
      status: 'canceled',
      failed: true,
      // Saved with the cancel flag, as the running job was asked to stop (UnifiedJob.save).
      canceled_on: expect.any(String),
    });
    expect(body.summary_fields.last_job.canceled_on <= body.last_job_run).toBe(true);
  });
});

describe("a template's recent_jobs (JobTemplateMixin._recent_jobs, serializers.py:3276)", () => {
  it('lists its ten newest jobs and sliced workflow jobs, newest first, without the slices', async () => {
    const template = sim.state.addJobTemplate({
      name: 'recent',
      jobSliceCount: 2,
      inventoryHosts: 2,
      askJobSliceCountOnLaunch: true,
      allowSimultaneous: true,
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs: 0 },
    });
    const post = async (path: string, body?: unknown): Promise<Body> => {
      const text = await (
        await fetch(`${sim.apiUrl}${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).text();
      return text ? JSON.parse(text) : undefined;
    };
    const launch = (sliceCount: number) =>
      post(`job_templates/${template.id}/launch/`, { job_slice_count: sliceCount });
    const recent = async (): Promise<Body[]> =>
      (await shown(template.id)).summary_fields.recent_jobs;

    const sliced = (await launch(2)).workflow_job as number;
    await vi.waitFor(
      () => expect(sim.state.workflowJobs().find((w) => w.id === sliced)?.jobs).toHaveLength(2),
      {
        timeout: 5_000,
      },
    );
    expect(await recent()).toEqual([
      { id: sliced, status: 'running', finished: null, canceled_on: null, type: 'workflow_job' },
    ]);

    const plain = (await launch(1)).job as number;
    await post(`jobs/${plain}/cancel/`);
    await vi.waitFor(() => expect(sim.state.job(plain)?.status).toBe('canceled'), {
      timeout: 5_000,
    });
    const [newest, older] = await recent();
    expect(newest).toMatchObject({ id: plain, status: 'canceled', type: 'job' });
    expect(newest.finished).toEqual(expect.any(String));
    // Saved with the cancel flag; the job, already with the dispatcher, ended after it.
    expect(newest.canceled_on <= newest.finished).toBe(true);
    expect(older.id).toBe(sliced);

    for (let i = 0; i < 9; i += 1) await launch(1);
    const ten = await recent();
    expect(ten).toHaveLength(10);
    expect(ten.map((job) => job.id)).not.toContain(sliced);
    expect(ten[9].id).toBe(plain);
  });
});
