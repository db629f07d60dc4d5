import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { jobOutput } from './job-output.js';
import { JobReport } from './job-report.js';
import type { Job } from './schemas.js';

let sim: AwxSimulator;
let awx: AwxClient;

beforeAll(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
});
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

const transcript = [
  'TASK [restart]',
  'changed: [web-1]',
  'TASK [check]',
  'fatal: [web-1]: FAILED!',
];

/** A job of a template with this outcome whose events AWX saves `eventsLagMs` after it ends. */
async function endedJob(outcome: 'successful' | 'failed', eventsLagMs: number): Promise<Job> {
  const template = sim.state.addJobTemplate({
    name: `t-${Math.random()}`,
    schedule: { pendingMs: 0, runningMs: 0, outcome, stdout: transcript, eventsLagMs },
  });
  const { job: id } = await awx.launch(template.id, { extraVars: {} });
  for (;;) {
    const job = await awx.getJob(id);
    if (job?.finished) return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const report = (now: () => number = Date.now) =>
  new JobReport(awx, { stdoutTailBytes: 4096, now }, noopLogger);

describe('JobReport', () => {
  it('reports a failure as running while AWX saves its events, then with the end of its output', async () => {
    const job = await endedJob('failed', 400);
    expect(job.event_processing_finished).toBe(false);
    const early = await report().result(job, undefined);
    expect(early).toMatchObject({ phase: 'Running', reason: 'AWXJobOutputPending' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const later = await report().result((await awx.getJob(job.id)) as Job, undefined);
    expect(later).toMatchObject({ phase: 'Failed', failureReason: 'TaskFailed' });
    expect(later.message).toContain('fatal: [web-1]: FAILED!');
  });

  it("takes what output there is once AWX's one-minute bound has passed", async () => {
    const job = await endedJob('failed', 60_000);
    const result = await report(() => Date.now() + 61_000).result(job, undefined);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'AWXJobFailed' });
    expect(result.message).toContain('changed: [web-1]');
    expect(result.message).not.toContain('fatal');
  });

  it('reads the job view when given a row of jobs/, which does not say', async () => {
    const job = await endedJob('failed', 60_000);
    const { event_processing_finished: _, ...row } = job;
    expect(await report().result(row, undefined)).toMatchObject({ phase: 'Running' });
  });

  it('reports a success at once, its events saved or not', async () => {
    const job = await endedJob('successful', 60_000);
    expect(await report().result(job, undefined)).toMatchObject({ phase: 'Completed' });
  });
});

describe('jobOutput', () => {
  it('follows a job past its end until AWX has saved its events', async () => {
    const job = await endedJob('failed', 400);
    const lines: string[] = [];
    for await (const line of jobOutput(awx, job.id, { follow: true })) lines.push(line.text);
    expect(lines).toEqual(transcript);
  }, 20_000);
});
