/**
 * `sim.restart()`: AWX's services start again on the same database, and the dispatcher's
 * startup (awx/main/tasks/system.py dispatch_startup) reaps what the old one left behind.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AwxSimulator,
  type JobScheduleInput,
  type JobStatus,
  startAwxSimulator,
} from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
beforeEach(async () => {
  sim = await startAwxSimulator();
});
afterEach(async () => {
  await sim.stop();
});

const request = async (method: string, path: string) =>
  fetch(`${sim.apiUrl}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}` } });
const launch = async (schedule: JobScheduleInput) => {
  const template = sim.state.addJobTemplate({ name: `t-${Math.random()}`, schedule });
  const response = await request('POST', `job_templates/${template.id}/launch/`);
  return ((await response.json()) as { job: number }).job;
};
const job = async (id: number): Promise<Body> => (await request('GET', `jobs/${id}/`)).json();

/** Polls the job over HTTP until it reaches `status`; fails the test after 5 s. */
async function until(id: number, status: JobStatus): Promise<Body> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const body = await job(id);
    if (body.status === status) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('restart', () => {
  it('fails a running job as startup_reaping does, keeping what else it stored', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 60_000 });
    const running = await until(id, 'running');
    sim.restart();
    const reaped = await job(id);
    expect(reaped.status).toBe('failed');
    expect(reaped.failed).toBe(true);
    // reaper.py startup_reaping, word for word.
    expect(reaped.job_explanation).toBe(
      'Task was marked as running at system start up. The system must have not shut down ' +
        'properly, so it has been marked as failed.',
    );
    // UnifiedJob.save records `finished` once the status is a final one.
    expect(reaped.finished).not.toBeNull();
    expect(reaped.started).toBe(running.started);
    expect(reaped.created).toBe(running.created);
  });

  it('fails a waiting job as reap_waiting does, with reap_job default explanation', async () => {
    const id = await launch({ pendingMs: 0, waitingMs: 60_000 });
    await until(id, 'waiting');
    sim.restart();
    const reaped = await job(id);
    expect(reaped.status).toBe('failed');
    expect(reaped.failed).toBe(true);
    expect(reaped.job_explanation).toBe(
      'Task was marked as running but was not present in the job queue, so it has been marked as failed.',
    );
    expect(reaped.finished).not.toBeNull();
    expect(reaped.started).toBeNull();
  });

  it('leaves a pending job for the task manager, which starts it after the restart', async () => {
    const id = await launch({ pendingMs: 50, runningMs: 0 });
    sim.restart();
    expect((await job(id)).status).toBe('pending');
    expect((await until(id, 'successful')).job_explanation).toBe('');
  });

  it('reaps the slices of a sliced launch, not its workflow job, which the workflow manager then fails', async () => {
    const template = sim.state.addJobTemplate({
      name: `sliced-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 0, runningMs: 60_000 },
    });
    const launched = await request('POST', `job_templates/${template.id}/launch/`);
    const workflowJobId = ((await launched.json()) as { workflow_job: number }).workflow_job;
    const slices = async (): Promise<Body[]> => {
      const page: Body = await (
        await request('GET', `jobs/?job_template=${template.id}&order_by=id`)
      ).json();
      return page.results;
    };
    await vi.waitFor(
      async () => expect((await slices()).map((j) => j.status)).toEqual(['running', 'running']),
      {
        timeout: 5000,
      },
    );
    sim.restart();
    expect((await slices()).map((j) => [j.status, j.job_explanation])).toEqual([
      ['failed', expect.stringContaining('at system start up')],
      ['failed', expect.stringContaining('at system start up')],
    ]);
    const workflowJob: Body = await (
      await request('GET', `workflow_jobs/${workflowJobId}/`)
    ).json();
    expect(workflowJob.status).toBe('failed');
    expect(workflowJob.job_explanation).not.toContain('at system start up');
  });

  it('leaves a finished job as it was', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 0, outcome: 'successful' });
    const finished = await until(id, 'successful');
    sim.restart();
    expect(await job(id)).toEqual(finished);
  });
});
