/**
 * A template without the resources a job needs: its project deleted (JobTemplate.project is
 * SET_NULL on delete, awx/main/models/jobs.py:88), its inventory too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what AWX answered.
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('a template without its resources', () => {
  it('refuses a launch without a project in the words of resources_needed_to_start (jobs.py:322, :506) and JobLaunchSerializer.validate (serializers.py:4672)', async () => {
    const template = sim.state.addJobTemplate({ name: 'no-project', project: null });
    const jobs = sim.state.jobs().length;
    expect((await request('GET', `job_templates/${template.id}/`)).body).toMatchObject({
      project: null,
      // JobTemplate.validation_errors (jobs.py:305) takes `start` away (access.py:448).
      summary_fields: { user_capabilities: { start: false } },
    });
    const path = `job_templates/${template.id}/launch/`;
    // GET launch/ has no field for it, as for a failed project update.
    expect((await request('GET', path)).body).toMatchObject({
      can_start_without_user_input: true,
    });
    expect(await request('POST', path, {})).toEqual({
      status: 400,
      body: {
        resources_needed_to_start: ['Job Template project is missing or undefined.'],
        project: ['A project is required to run a job.'],
      },
    });
    expect(sim.state.jobs()).toHaveLength(jobs);
  });

  it('names the project before the inventory, as resources_needed_to_start lists them', async () => {
    const template = sim.state.addJobTemplate({
      name: 'no-resources',
      project: null,
      inventory: null,
    });
    const refused = await request('POST', `job_templates/${template.id}/launch/`, {});
    expect(refused.body).toEqual({
      resources_needed_to_start: [
        'Job Template project is missing or undefined.',
        'Job Template inventory is missing or undefined.',
      ],
      project: ['A project is required to run a job.'],
    });
  });
});
