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
      'user_capabilities',
      'labels',
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
      canceled_on: body.last_job_run,
    });
  });
});
