import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { AwxAnswerTooLargeError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import { type CountingProxy, startCountingProxy } from './counting-proxy.test-support.js';
import { JobReport } from './job-report.js';
import { outputScrub } from './output-scrub.js';
import { outputTail } from './output-tail.js';
import type { Job } from './schemas.js';

let sim: AwxSimulator;
let proxy: CountingProxy;
let awx: AwxClient;

beforeAll(async () => {
  sim = await startAwxSimulator();
  proxy = await startCountingProxy(sim.url);
  awx = new AwxClient({ baseUrl: proxy.url, token: sim.token, minRetryDelayMs: 5 });
});
afterAll(async () => {
  await awx.close();
  await proxy.stop();
  await sim.stop();
});

/** A failed job that printed `stdout`, one event an entry, its events saved `eventsLagMs` after. */
async function failedJob(stdout: string[], eventsLagMs = 0): Promise<Job> {
  const template = sim.state.addJobTemplate({
    name: `t-${Math.random()}`,
    schedule: { pendingMs: 0, runningMs: 0, outcome: 'failed', stdout, eventsLagMs },
  });
  const { job: id } = await awx.launch(template.id, { extraVars: {} });
  for (;;) {
    const job = await awx.getJob(id);
    if (job?.finished) return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a read costs: the bytes AWX sent and the requests it answered. */
async function cost<T>(read: () => Promise<T>) {
  const bytes = proxy.received();
  const requests = sim.requests.length;
  const value = await read();
  return { value, bytes: proxy.received() - bytes, requests: sim.requests.slice(requests) };
}

// Escaped by PostgreSQL's COPY, joined by `\r\n`, coloured, embedding event data, not ASCII.
const awkward = [
  'TASK [path] C:\\dir\\new\ttab',
  'fatal: [web-1]: FAILED! =>\r\n  {"msg": "d\u00e9j\u00e0 vu \u2603"}',
  '\x1b[0;31mred\x1b[0m \x1b[KeyJ1dWlkIjoiYSJ9\x1b[17D\x1b[K done',
  '',
  'PLAY RECAP',
];

describe('outputTail', () => {
  it("reads a long job's tail from its newest events, not the whole output", async () => {
    const line = 'x'.repeat(1000);
    const stdout = [...Array.from({ length: 20_000 }, (_, i) => `${i} ${line}`), ...awkward];
    const job = await failedJob(stdout);
    expect(job.event_processing_finished).toBe(true);
    const tail = await cost(() => outputTail(awx, job, 4096));
    const downloaded = await cost(() => awx.jobStdoutTail(job.id, 4096));
    expect(tail.value).toBe(downloaded.value);
    expect(tail.value).toContain('PLAY RECAP');
    expect(downloaded.bytes).toBeGreaterThan(20_000_000);
    // One page of 200 events of a KiB each and their fields (285 KB), not 20 MB.
    expect(tail.bytes).toBeLessThan(1_000_000);
    expect(tail.requests).toHaveLength(1);
    expect(tail.requests[0]?.path).toMatch(/job_events\/\?.*order_by=-counter/);

    // A failure's report reads the same way.
    const report = new JobReport(awx, { stdoutTailBytes: 4096, now: Date.now }, noopLogger);
    const scrub = async () => outputScrub([], false);
    const reported = await cost(() => report.result(job, scrub, undefined));
    expect(reported.value.message).toContain('PLAY RECAP');
    expect(reported.value.message).toContain(`19999 ${line}`);
    expect(reported.bytes).toBeLessThan(1_000_000);
  }, 60_000);

  it('gives what the download gives for an output shorter than the tail, and for events cut anywhere', async () => {
    const job = await failedJob(awkward);
    const whole = await awx.jobStdoutTail(job.id, 1 << 20);
    for (const bytes of [1, 7, 30, 60, 90, whole.length, 1 << 20]) {
      expect(await outputTail(awx, job, bytes)).toBe(await awx.jobStdoutTail(job.id, bytes));
    }
  });

  it('reads the download when an event is larger than the client reads, even alone', async () => {
    const job = await failedJob(awkward);
    expect(job.event_processing_finished).toBe(true);
    // What JobsApi.jobEvents throws once even a page of one event is past its bound.
    const tooLarge = new AwxAnswerTooLargeError(`GET jobs/${job.id}/job_events/`, 64 << 20);
    const oversized: JobReader = {
      getJob: (id, options) => awx.getJob(id, options),
      findJob: (query, matches, options) => awx.findJob(query, matches, options),
      jobStdoutTail: (id, maxBytes, options) => awx.jobStdoutTail(id, maxBytes, options),
      jobStdoutLines: (id, selection, options) => awx.jobStdoutLines(id, selection, options),
      jobEvents: () => Promise.reject(tooLarge),
      unshownLines: (id, through, options) => awx.unshownLines(id, through, options),
    };
    const tail = await cost(() => outputTail(oversized, job, 4096));
    expect(tail.value).toBe(await awx.jobStdoutTail(job.id, 4096));
    expect(tail.value).toContain('PLAY RECAP');
    expect(tail.requests.map((request) => request.path)).toEqual([
      `/api/v2/jobs/${job.id}/stdout/?format=txt_download`,
    ]);
  });

  it('reads the download while AWX is still saving the events', async () => {
    const job = await failedJob(awkward, 60_000);
    expect(job.event_processing_finished).toBe(false);
    const tail = await cost(() => outputTail(awx, job, 4096));
    expect(tail.requests.map((request) => request.path)).toEqual([
      `/api/v2/jobs/${job.id}/stdout/?format=txt_download`,
    ]);
  });
});
