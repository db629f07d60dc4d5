import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, type JobStatus, startAwxSimulator } from './index.js';
import { holdPending, jobBlockedBy } from './job-blocking.js';
import { advance, type Job } from './jobs.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const request = async (method: string, path: string) =>
  fetch(`${sim.apiUrl}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}` } });
const launch = async (template: number): Promise<number> =>
  ((await (await request('POST', `job_templates/${template}/launch/`)).json()) as { job: number })
    .job;
const job = async (id: number): Promise<Body> => (await request('GET', `jobs/${id}/`)).json();

async function until(id: number, status: JobStatus): Promise<Body> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const body = await job(id);
    if (body.status === status) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Long enough for a job pending 5 ms to have been started many times over. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

const schedule = { pendingMs: 5, runningMs: 60_000, cancelMs: 5 };

describe('allow_simultaneous (DependencyGraph.job_blocked_by, dependency_graph.py:88)', () => {
  it('keeps a second job pending while the first runs, and starts it once the first ends', async () => {
    const template = sim.state.addJobTemplate({ name: 'one at a time', schedule });
    const first = await launch(template.id);
    await until(first, 'running');
    const second = await launch(template.id);
    await settled();
    expect(await job(second)).toMatchObject({
      status: 'pending',
      started: null,
      allow_simultaneous: false,
    });
    expect((await request('POST', `jobs/${first}/cancel/`)).status).toBe(202);
    await until(first, 'canceled');
    await until(second, 'running');
    await request('POST', `jobs/${second}/cancel/`);
  });

  it('runs jobs side by side when the template allows it', async () => {
    const template = sim.state.addJobTemplate({
      name: 'side by side',
      allowSimultaneous: true,
      schedule,
    });
    const first = await launch(template.id);
    const second = await launch(template.id);
    expect(await until(second, 'running')).toMatchObject({ allow_simultaneous: true });
    expect((await job(first)).status).toBe('running');
    await request('POST', `jobs/${first}/cancel/`);
    await request('POST', `jobs/${second}/cancel/`);
  });

  it('cancels a held job at once (UnifiedJob.cancel of a pending job), the running one untouched', async () => {
    const template = sim.state.addJobTemplate({ name: 'held then canceled', schedule });
    const first = await launch(template.id);
    await until(first, 'running');
    const second = await launch(template.id);
    await settled();
    expect((await request('POST', `jobs/${second}/cancel/`)).status).toBe(202);
    expect(await job(second)).toMatchObject({ status: 'canceled', started: null, failed: true });
    expect((await job(first)).status).toBe('running');
    await request('POST', `jobs/${first}/cancel/`);
  });

  it('starts held jobs in the order they were created, one at a time', async () => {
    const template = sim.state.addJobTemplate({ name: 'queue', schedule });
    const first = await launch(template.id);
    await until(first, 'running');
    const second = await launch(template.id);
    const third = await launch(template.id);
    await settled();
    await request('POST', `jobs/${first}/cancel/`);
    await until(second, 'running');
    await settled();
    expect((await job(third)).status).toBe('pending');
    await request('POST', `jobs/${second}/cancel/`);
    await until(third, 'running');
    await request('POST', `jobs/${third}/cancel/`);
  });
});

describe('a held job explained (TaskManager.process_pending_tasks, task_manager.py:558)', () => {
  const base = {
    id: 2,
    jobTemplate: 7,
    status: 'pending',
    created: 1_000_000_000,
    jobExplanation: '',
    allowSimultaneous: false,
  };
  const held = base as unknown as Job;
  const running = { ...base, id: 1, status: 'running' } as unknown as Job;

  it('names the blocking job only once the held one is over 30 seconds old', () => {
    expect(jobBlockedBy(held, [running, held])).toBe(running);
    expect(holdPending(held, running, base.created + 29_000_000).jobExplanation).toBe('');
    expect(holdPending(held, running, base.created + 31_000_000)).toMatchObject({
      jobExplanation: 'waiting for job-1 to finish',
    });
  });

  it('forgets why it was held once it starts (UnifiedJob.pre_start, unified_jobs.py:1406)', () => {
    const explained = holdPending(held, running, base.created + 31_000_000);
    expect(advance(explained, base.created + 32_000_000)).toMatchObject({
      status: 'waiting',
      jobExplanation: '',
    });
  });

  it('is blocked by neither another template nor a later pending job', () => {
    const other = { ...running, jobTemplate: 8 } as Job;
    const later = { ...base, id: 3 } as unknown as Job;
    expect(jobBlockedBy(held, [other, later])).toBeUndefined();
    expect(jobBlockedBy(later, [held])).toBe(held);
  });
});
