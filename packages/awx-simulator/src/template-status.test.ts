import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';
import type { Job, JobStatus } from './jobs.js';
import {
  jobDeleted,
  jobSaved,
  NEVER_RUN,
  type TemplateJobState,
  templateSaved,
} from './template-status.js';

/** The template's jobs as stored, changed one status at a time as UnifiedJob.save does. */
function history() {
  const jobs = new Map<number, Job>();
  const jobOf = (id: number) => jobs.get(id);
  let state: TemplateJobState = NEVER_RUN;
  return {
    set(id: number, status: JobStatus, finished: number | null = null) {
      const before = jobs.get(id)?.status ?? 'new';
      const job = { id, status, finished } as Job;
      jobs.set(id, job);
      state = jobSaved(state, job, before, jobOf);
      return state;
    },
    delete(id: number) {
      jobs.delete(id);
      state = jobDeleted(state, id);
      return state;
    },
    saveTemplate() {
      state = templateSaved(state, jobOf);
      return state;
    },
  };
}

describe('template status as AWX stores it', () => {
  it("reads the current job's stored status when another job finishes, waiting included", () => {
    const jobs = history();
    jobs.set(1, 'pending');
    jobs.set(1, 'waiting');
    jobs.set(1, 'running');
    // Job 2 (allow_simultaneous) becomes current; its waiting is never passed on.
    expect(jobs.set(2, 'pending')).toMatchObject({ status: 'pending', currentJob: 2 });
    expect(jobs.set(2, 'waiting')).toMatchObject({ status: 'pending', currentJob: 2 });
    expect(jobs.set(1, 'successful', 10)).toEqual({
      status: 'waiting',
      currentJob: 2,
      lastJob: 1,
      lastJobFailed: false,
      lastJobRun: 10,
    });
  });

  it('keeps status, last_job_failed and last_job_run of a deleted last job until the template is saved', () => {
    const jobs = history();
    for (const status of ['pending', 'running'] as const) jobs.set(1, status);
    jobs.set(1, 'successful', 5);
    for (const status of ['pending', 'running'] as const) jobs.set(2, status);
    jobs.set(2, 'failed', 9);
    expect(jobs.delete(2)).toEqual({
      status: 'failed',
      currentJob: null,
      lastJob: null,
      lastJobFailed: true,
      lastJobRun: 9,
    });
    // Nothing makes job 1 the last job again; the next save finds no last job at all.
    expect(jobs.saveTemplate()).toEqual({ ...NEVER_RUN, lastJobFailed: true });
  });
});

describe('a job template served after its last job is deleted', () => {
  let sim: AwxSimulator;
  beforeAll(async () => {
    sim = await startAwxSimulator();
  });
  afterAll(async () => {
    await sim.stop();
  });
  const call = async (method: string, path: string) => {
    const response = await fetch(`${sim.apiUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
    const body: any = text === '' ? null : JSON.parse(text);
    return { status: response.status, body };
  };

  it('shows no last job, and the status and last run it had, until something saves it', async () => {
    const template = sim.state.addJobTemplate({
      name: 'last-job-deleted',
      schedule: { pendingMs: 0, waitingMs: 0, runningMs: 0, outcome: 'failed' },
    });
    const { id } = sim.state.launch(template.id);
    await vi.waitFor(() => expect(sim.state.job(id)?.status).toBe('failed'), { timeout: 5_000 });
    const before = (await call('GET', `job_templates/${template.id}/`)).body;
    expect(before).toMatchObject({ status: 'failed', last_job_failed: true });
    expect(before.last_job_run).not.toBeNull();

    expect((await call('DELETE', `jobs/${id}/`)).status).toBe(204);
    const after = (await call('GET', `job_templates/${template.id}/`)).body;
    expect(after).toMatchObject({
      status: 'failed',
      last_job_failed: true,
      last_job_run: before.last_job_run,
    });
    expect(after.related.last_job).toBeUndefined();
    expect(after.summary_fields.last_job).toBeUndefined();

    // JobTemplateSurveySpec.delete saves the template: AWX reads its status again.
    expect((await call('DELETE', `job_templates/${template.id}/survey_spec/`)).status).toBe(200);
    expect((await call('GET', `job_templates/${template.id}/`)).body).toMatchObject({
      status: 'never updated',
      last_job_run: null,
    });
  });
});
