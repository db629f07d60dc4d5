import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { jobOutput } from './job-output.js';
import { JobReport } from './job-report.js';
import { outputScrub, scrubbedMarker } from './output-scrub.js';
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
async function endedJob(
  outcome: 'successful' | 'failed' | 'error',
  eventsLagMs: number,
  stdout = transcript,
  written: { jobExplanation?: string; resultTraceback?: string } = {},
): Promise<Job> {
  const template = sim.state.addJobTemplate({
    name: `t-${Math.random()}`,
    schedule: { pendingMs: 0, runningMs: 0, outcome, stdout, eventsLagMs, ...written },
  });
  const { job: id } = await awx.launch(template.id, { extraVars: {} });
  for (;;) {
    const job = await awx.getJob(id);
    if (job?.finished) return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const report = (now: () => number = Date.now, stdoutTailBytes = 4096) =>
  new JobReport(awx, { stdoutTailBytes, now }, noopLogger);

/** An execution whose job was given no Secret. */
const unscrubbed = async () => outputScrub([], false);

describe('JobReport', () => {
  it('reports a failure as running while AWX saves its events, then with the end of its output', async () => {
    const job = await endedJob('failed', 400);
    expect(job.event_processing_finished).toBe(false);
    const early = await report().result(job, unscrubbed, undefined);
    expect(early).toMatchObject({ phase: 'Running', reason: 'AWXJobOutputPending' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const later = await report().result((await awx.getJob(job.id)) as Job, unscrubbed, undefined);
    expect(later).toMatchObject({ phase: 'Failed', failureReason: 'TaskFailed' });
    expect(later.message).toContain('fatal: [web-1]: FAILED!');
  });

  it("takes what output there is once AWX's one-minute bound has passed", async () => {
    const job = await endedJob('failed', 60_000);
    const result = await report(() => Date.now() + 61_000).result(job, unscrubbed, undefined);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'AWXJobFailed' });
    expect(result.message).toContain('changed: [web-1]');
    expect(result.message).not.toContain('fatal');
  });

  it('reads the job view when given a row of jobs/, which does not say', async () => {
    const job = await endedJob('failed', 60_000);
    const { event_processing_finished: _, ...row } = job;
    expect(await report().result(row, unscrubbed, undefined)).toMatchObject({ phase: 'Running' });
  });

  it('scrubs the values the job was given from the output it reports, even one the tail cuts', async () => {
    const password = 'hunter2-db-password';
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----';
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const job = await endedJob('failed', 0, [
      `TASK [connect] ${password}`,
      `fatal: [web-1]: FAILED! => {"msg": "bad key ${JSON.stringify(key).slice(1, -1)}"}`,
      `K8S_AUTH_API_KEY=${token}`,
      `retrying with ${password}`,
      'giving up',
    ]);
    const scrub = async () => outputScrub([password, key], true);
    const { message } = await report().result(job, scrub, undefined);
    expect(message).toContain(`TASK [connect] ${scrubbedMarker}`);
    expect(message).toContain(`"msg": "bad key ${scrubbedMarker}"`);
    expect(message).toContain(`K8S_AUTH_API_KEY=${scrubbedMarker}`);
    for (const secret of [password, 'MIIBOgIBAAJBAK', token]) expect(message).not.toContain(secret);

    // A tail whose first bytes cut the password shows none of it.
    const cutAt = Buffer.byteLength('db-password\ngiving up\n');
    const cut = await report(Date.now, cutAt).result(job, scrub, undefined);
    expect(cut.message).toContain('giving up');
    expect(cut.message).not.toContain('password');
  });

  it("scrubs a value holding both quotes, which AWX's output doubles the backslashes of", async () => {
    // Ansible's default callback prints the first as JSON, a YAML callback the second as is.
    const quoted = `it's"quoted`;
    const path = `C:\\dir's "x"\tend`;
    const job = await endedJob('failed', 0, [
      `fatal: [web-1]: FAILED! => {"msg": "denied: ${JSON.stringify(quoted).slice(1, -1)}"}`,
      `msg: ${path}`,
    ]);
    const scrub = async () => outputScrub([quoted, path], false);
    const { message } = await report().result(job, scrub, undefined);
    expect(message).toContain(`"msg": "denied: ${scrubbedMarker}"`);
    expect(message).toContain(`msg: ${scrubbedMarker}`);
    for (const part of ["it's", 'quoted', 'dir', 'end']) expect(message).not.toContain(part);
    const lines: string[] = [];
    for await (const line of jobOutput(awx, job.id, await scrub())) lines.push(line.text);
    expect(lines.slice(-2)).toEqual([
      `fatal: [web-1]: FAILED! => {"msg": "denied: ${scrubbedMarker}"}`,
      `msg: ${scrubbedMarker}`,
    ]);
  });

  it('keeps the tail of the output as read, though markers shorten the values they replace', async () => {
    const secret = 'Q0123456789'.repeat(5).slice(0, 50);
    const job = await endedJob('failed', 0, [
      `login ${secret}`,
      `token=${secret}`,
      `retry ${secret}`,
    ]);
    const scrub = async () => outputScrub([secret], false);
    const { message } = await report(Date.now, 80).result(job, scrub, undefined);
    // The last 80 bytes begin inside the second value, which shows as its marker.
    expect(message.endsWith(`:\n${scrubbedMarker}\nretry ${scrubbedMarker}`)).toBe(true);
    expect(message).not.toMatch(/\d{4}/);
  });

  it('withholds the output when the values it must be scrubbed of are not known', async () => {
    const job = await endedJob('failed', 0);
    const withheld = async () => ({ withheld: 'Secret db changed since its job was given it' });
    const { message } = await report().result(job, withheld, undefined);
    expect(message).toContain('withheld: Secret db changed since its job was given it');
    expect(message).not.toContain('fatal');
  });

  describe("scrubs AWX's explanation of the values the job was given", () => {
    const password = 'hunter2-db-password';
    // A Secret made from a file keeps the file's last line break.
    const fromFile = 'file-secret-value\n';
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----';
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const scrub = async () => outputScrub([password, fromFile, key], true);
    const quoted = [
      `login with ${password} refused`,
      'read file-secret-value',
      `key "${JSON.stringify(key).slice(1, -1)}" and line MIIBOgIBAAJBAK`,
      `K8S_AUTH_API_KEY=${token}`,
    ].join('; ');
    const shown = [
      `login with ${scrubbedMarker} refused`,
      `read ${scrubbedMarker}`,
      `key "${scrubbedMarker}" and line ${scrubbedMarker}`,
      `K8S_AUTH_API_KEY=${scrubbedMarker}`,
    ].join('; ');
    const secrets = [password, 'file-secret-value', 'MIIBOgIBAAJBAK', token];

    it('in its job_explanation, with the output tail or without', async () => {
      const job = await endedJob('failed', 0, transcript, { jobExplanation: quoted });
      for (const tailBytes of [4096, 0]) {
        const { message } = await report(Date.now, tailBytes).result(job, scrub, undefined);
        expect(message).toContain(`(AWX job ${job.id}); ${shown}`);
        for (const secret of secrets) expect(message).not.toContain(secret);
      }
    });

    it("in the exception its traceback ends with, before it is cut to the message's share", async () => {
      const job = await endedJob('error', 0, transcript, {
        resultTraceback: `Traceback (most recent call last):\n  File "x.py", line 1, in run\nValueError: ${quoted}\n`,
      });
      const { message } = await report().result(job, scrub, undefined);
      expect(message).toContain(`(AWX job ${job.id}); ValueError: ${shown}`);
      for (const secret of secrets) expect(message).not.toContain(secret);

      // The password straddles the 1024th character: none of it is left at the cut.
      const padded = await endedJob('error', 0, transcript, {
        resultTraceback: `  File "x.py", line 1, in run\nRuntimeError: ${'.'.repeat(1000)}${password}\n`,
      });
      const cut = await report().result(padded, scrub, undefined);
      expect(cut.message).toContain(`....${scrubbedMarker.slice(0, 10)}`);
      expect(cut.message).not.toContain('hunter');
    });

    it('and withholds it, with the output when one is asked for, when the values are not known', async () => {
      const job = await endedJob('failed', 0, transcript, { jobExplanation: quoted });
      const withheld = async () => ({ withheld: 'Secret db changed since its job was given it' });
      for (const [tailBytes, what] of [
        [4096, "AWX's explanation and the job's output"],
        [0, "AWX's explanation"],
      ] as const) {
        const { message } = await report(Date.now, tailBytes).result(job, withheld, undefined);
        expect(message).toBe(
          `AWX job execution failed (AWX job ${job.id}); ${what} withheld: Secret db changed ` +
            'since its job was given it',
        );
      }
    });
  });

  it('asks for no scrub of a failure it has nothing to show of', async () => {
    const job = await endedJob('failed', 0);
    const never = async (): Promise<never> => {
      throw new Error('scrub asked for');
    };
    const { message } = await report(Date.now, 0).result(job, never, undefined);
    expect(message).toBe(`AWX job execution failed (AWX job ${job.id})`);
  });

  it('reports a success at once, its events saved or not', async () => {
    const job = await endedJob('successful', 60_000);
    expect(await report().result(job, unscrubbed, undefined)).toMatchObject({ phase: 'Completed' });
  });
});

describe('jobOutput', () => {
  it('follows a job past its end until AWX has saved its events', async () => {
    const job = await endedJob('failed', 400);
    const lines: string[] = [];
    for await (const line of jobOutput(awx, job.id, outputScrub([], false), { follow: true }))
      lines.push(line.text);
    expect(lines).toEqual(transcript);
  }, 20_000);
});
