import { afterEach, describe, expect, it } from 'vitest';
import { holdForCapacity } from './capacity.js';
import { type AwxSimulator, type JobStatus, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
afterEach(async () => {
  await sim?.stop();
});
const request = async (method: string, path: string) =>
  fetch(`${sim.apiUrl}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}` } });
const launch = async (template: number): Promise<Body> =>
  (await request('POST', `job_templates/${template}/launch/`)).json();
const job = async (id: number): Promise<Body> => (await request('GET', `jobs/${id}/`)).json();
const template = (runningMs: number) =>
  sim.state.addJobTemplate({
    name: `t-${Math.random()}`,
    schedule: { pendingMs: 5, runningMs, cancelMs: 5 },
  }).id;

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

describe('capacity (TaskManager.process_pending_tasks, task_manager.py task_needs_capacity)', () => {
  it('keeps a job of another template pending while the capacity is taken, and starts it once it frees', async () => {
    sim = await startAwxSimulator({ capacity: 1 });
    const first = (await launch(template(60_000))).job;
    await until(first, 'running');
    const second = (await launch(template(0))).job;
    await settled();
    expect((await job(second)).status).toBe('pending');
    expect((await request('POST', `jobs/${first}/cancel/`)).status).toBe(202);
    await until(second, 'successful');
  });

  it('never holds a sliced launch`s workflow job, only its slices', async () => {
    sim = await startAwxSimulator({ capacity: 1 });
    const sliced = sim.state.addJobTemplate({
      name: `sliced-${Math.random()}`,
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 5, runningMs: 60_000 },
    });
    const workflowJob = (await launch(sliced.id)).workflow_job;
    await settled();
    const workflow: Body = await (await request('GET', `workflow_jobs/${workflowJob}/`)).json();
    expect(workflow.status).toBe('running');
    const slices: Body = await (
      await request('GET', `jobs/?job_template=${sliced.id}&order_by=id`)
    ).json();
    expect(slices.results.map((j: Body) => j.status)).toEqual(['running', 'pending']);
  });

  it('reports the capacity in ping/', async () => {
    sim = await startAwxSimulator({ capacity: 3 });
    const ping: Body = await (await request('GET', 'ping/')).json();
    expect(ping.instances[0].capacity).toBe(3);
    expect(ping.instance_groups[0].capacity).toBe(3);
  });

  it('explains the wait only once the job is over 30 seconds old, leaving `modified`', () => {
    const held = { created: 1_000_000, modified: 2_000_000, jobExplanation: '' };
    expect(holdForCapacity(held, held.created + 29_000_000)).toBe(held);
    expect(holdForCapacity(held, held.created + 31_000_000)).toEqual({
      ...held,
      jobExplanation:
        'This job is not ready to start because there is not enough available capacity.',
    });
  });
});
