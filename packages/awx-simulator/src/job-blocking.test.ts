import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, type JobStatus, startAwxSimulator } from './index.js';
import { blockedBy, holdPending } from './job-blocking.js';
import { advance, type Job } from './jobs.js';
import { startWorkflowJob, type WorkflowJob } from './workflow-jobs.js';
import { workflowJob } from './workflow-jobs.test-support.js';

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
  const asJob = (id: number) => ({ model: 'job' as const, id });

  it('names the blocking job only once the held one is over 30 seconds old', () => {
    expect(blockedBy(asJob(2), [running, held], [])).toEqual(asJob(1));
    expect(holdPending(held, asJob(1), base.created + 29_000_000).jobExplanation).toBe('');
    expect(holdPending(held, asJob(1), base.created + 31_000_000)).toMatchObject({
      jobExplanation: 'waiting for job-1 to finish',
    });
  });

  it('forgets why it was held once it starts (UnifiedJob.pre_start, unified_jobs.py:1406)', () => {
    const explained = holdPending(held, asJob(1), base.created + 31_000_000);
    expect(advance(explained, base.created + 32_000_000)).toMatchObject({
      status: 'waiting',
      jobExplanation: '',
    });
  });

  it('is blocked by neither another template nor a later pending job', () => {
    const other = { ...running, jobTemplate: 8 } as Job;
    const later = { ...base, id: 3 } as unknown as Job;
    expect(blockedBy(asJob(2), [other, held, later], [])).toBeUndefined();
    expect(blockedBy(asJob(3), [held, later], [])).toEqual(asJob(2));
  });
});

describe('a sliced workflow job held (DependencyGraph.workflow_job_blocked_by, dependency_graph.py:98)', () => {
  const job = (id: number, status: string, allowSimultaneous = false) =>
    ({ id, jobTemplate: 7, status, allowSimultaneous }) as unknown as Job;
  const flow = (id: number, status: string, allowSimultaneous = false) =>
    workflowJob({ id, jobTemplate: 7, status: status as WorkflowJob['status'], allowSimultaneous });
  const asFlow = (id: number) => ({ model: 'workflowjob' as const, id });
  const asJob = (id: number) => ({ model: 'job' as const, id });

  it('waits for a workflow job of its template before a job of it (mark_workflow_job by unified_job_template)', () => {
    expect(
      blockedBy(asFlow(5), [job(2, 'running')], [flow(1, 'running'), flow(5, 'pending')]),
    ).toEqual(asFlow(1));
    expect(blockedBy(asFlow(5), [job(2, 'running', true)], [flow(5, 'pending')])).toEqual(asJob(2));
    expect(blockedBy(asFlow(5), [job(2, 'successful')], [flow(5, 'pending')])).toBeUndefined();
  });

  it('runs beside anything when its template allowed it at launch', () => {
    expect(
      blockedBy(asFlow(5), [job(2, 'running')], [flow(1, 'running'), flow(5, 'pending', true)]),
    ).toBeUndefined();
  });

  it('names what the pass put in the graph: an earlier pending workflow job held by a job is no blocker', () => {
    expect(
      blockedBy(asFlow(5), [job(2, 'running')], [flow(3, 'pending'), flow(5, 'pending')]),
    ).toEqual(asJob(2));
    expect(blockedBy(asFlow(5), [], [flow(3, 'pending'), flow(5, 'pending')])).toEqual(asFlow(3));
  });

  it('holds no job: a job waits for the slices, not for the workflow job (job_blocked_by)', () => {
    expect(blockedBy(asJob(5), [job(5, 'pending')], [flow(1, 'running')])).toBeUndefined();
  });

  it('is told why with its model name once over 30 seconds old, and forgets it once it starts', () => {
    const pending = flow(5, 'pending');
    const explained = holdPending(pending, asFlow(1), pending.created + 31_000_000);
    expect(explained.jobExplanation).toBe('waiting for workflowjob-1 to finish');
    expect(startWorkflowJob(explained, pending.created + 32_000_000)).toMatchObject({
      status: 'running',
      jobExplanation: '',
    });
  });
});

describe('sliced launches of one template over HTTP (TaskManager.process_pending_tasks)', () => {
  const sliced = (allowSimultaneous: boolean) =>
    sim.state.addJobTemplate({
      name: `sliced-${allowSimultaneous}-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      allowSimultaneous,
      schedule,
    });
  const launchSliced = async (template: number): Promise<number> =>
    (
      (await (await request('POST', `job_templates/${template}/launch/`)).json()) as {
        workflow_job: number;
      }
    ).workflow_job;
  const flowJob = async (id: number): Promise<Body> =>
    (await request('GET', `workflow_jobs/${id}/`)).json();
  const flowUntil = async (id: number, status: string): Promise<Body> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const body = await flowJob(id);
      if (body.status === status) return body;
      if (Date.now() > deadline) throw new Error(`workflow job ${id} stuck in ${body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it('keeps a second sliced workflow job pending while the first runs, and starts it once the first ends', async () => {
    const template = sliced(false);
    const first = await launchSliced(template.id);
    await flowUntil(first, 'running');
    const second = await launchSliced(template.id);
    await settled();
    expect(await flowJob(second)).toMatchObject({
      status: 'pending',
      started: null,
      allow_simultaneous: false,
    });
    expect((await request('POST', `workflow_jobs/${first}/cancel/`)).status).toBe(202);
    await flowUntil(first, 'canceled');
    await flowUntil(second, 'running');
    await request('POST', `workflow_jobs/${second}/cancel/`);
    await flowUntil(second, 'canceled');
  });

  it('keeps a sliced workflow job pending while a job of its template runs', async () => {
    const template = sim.state.addJobTemplate({
      name: `sliced-on-ask-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      askJobSliceCountOnLaunch: true,
      schedule,
    });
    const plain = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ job_slice_count: 1 }),
    });
    const running = ((await plain.json()) as { job: number }).job;
    await until(running, 'running');
    const flow = await launchSliced(template.id);
    await settled();
    expect((await flowJob(flow)).status).toBe('pending');
    await request('POST', `jobs/${running}/cancel/`);
    await flowUntil(flow, 'running');
    await request('POST', `workflow_jobs/${flow}/cancel/`);
    await flowUntil(flow, 'canceled');
  });

  it('runs sliced workflow jobs side by side when the template allows it, and says so', async () => {
    const template = sliced(true);
    const first = await launchSliced(template.id);
    const second = await launchSliced(template.id);
    expect(await flowUntil(second, 'running')).toMatchObject({ allow_simultaneous: true });
    expect((await flowJob(first)).status).toBe('running');
    await request('POST', `workflow_jobs/${first}/cancel/`);
    await request('POST', `workflow_jobs/${second}/cancel/`);
  });
});
