/**
 * Past 350 lines: a job's whole life in the simulator (schedule, cancel, events, output), each
 * case on the one simulator set-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwxSimulator,
  type JobScheduleInput,
  type JobStatus,
  startAwxSimulator,
} from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) =>
  fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const launch = async (schedule: JobScheduleInput, credentials: number[] = []) => {
  const template = sim.state.addJobTemplate({ name: `t-${Math.random()}`, schedule, credentials });
  const response = await request('POST', `job_templates/${template.id}/launch/`);
  return ((await response.json()) as { job: number }).job;
};
const job = async (id: number): Promise<Body> => (await request('GET', `jobs/${id}/`)).json();

/** Polls the job over HTTP until it reaches one of `statuses`; fails the test after 5 s. */
async function until(id: number, ...statuses: JobStatus[]) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const body = await job(id);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('jobs', () => {
  it('moves pending -> running -> successful on its schedule', async () => {
    const template = sim.state.addJobTemplate({
      name: 'scheduled',
      schedule: { pendingMs: 10, runningMs: 50 },
    });
    const launched: Body = await (
      await request('POST', `job_templates/${template.id}/launch/`)
    ).json();
    expect(launched).toMatchObject({
      status: 'pending',
      started: null,
      finished: null,
      failed: false,
    });
    const done = await until(launched.job, 'successful');
    expect(done).toMatchObject({ failed: false, job_explanation: '' });
    // Timers may fire a millisecond early, so check consistency, not wall-clock durations.
    const runMs = Date.parse(done.finished) - Date.parse(done.started);
    expect(runMs).toBeGreaterThan(0);
    expect(Math.abs(done.elapsed * 1000 - runMs)).toBeLessThanOrEqual(1);
  });

  it('shows a running job as started and not finished, its elapsed time counted live', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 60_000 });
    const running = await until(id, 'running');
    expect(running).toMatchObject({ finished: null, failed: false });
    // Longer than the 30 ms asserted: a timer may fire up to a millisecond early.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const later = await job(id);
    const since = (Date.now() - Date.parse(later.started)) / 1000;
    expect(later.elapsed).toBeGreaterThanOrEqual(0.03);
    expect(later.elapsed).toBeLessThanOrEqual(since + 0.001);
    const [row] = ((await (await request('GET', `jobs/?id=${id}`)).json()) as Body).results;
    expect(row.elapsed).toBeGreaterThan(running.elapsed);
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
  });

  it("summarizes the job's credentials as JobSerializer does", async () => {
    const machine = sim.state.credentialTypes().find((t) => t.name === 'Machine')!;
    const custom = sim.state.addCredentialType({
      name: 'summary-type',
      kind: 'cloud',
      inputs: { fields: [{ id: 'token', label: 'token', secret: true }] },
    });
    const ssh = sim.state.addCredential({
      name: 'summary-ssh',
      credential_type: machine.id,
      organization: 1,
      inputs: { username: 'root' },
    });
    const token = sim.state.addCredential({
      name: 'summary-token',
      description: 'api token',
      credential_type: custom.id,
      organization: 1,
      inputs: { token: 't' },
    });
    const id = await launch({ pendingMs: 60_000 }, [ssh.id, token.id]);
    // Credential.kind is the type's namespace: null for a custom type.
    expect((await job(id)).summary_fields.credentials).toEqual([
      { id: ssh.id, name: 'summary-ssh', description: '', kind: 'ssh', cloud: false },
      { id: token.id, name: 'summary-token', description: 'api token', kind: null, cloud: true },
    ]);
  });

  it('ends failed or error with failed=true and the scheduled explanation and traceback', async () => {
    const failed = await launch({ pendingMs: 0, runningMs: 0, outcome: 'failed' });
    expect(await until(failed, 'failed')).toMatchObject({ failed: true, result_traceback: '' });
    const traceback = 'Traceback (most recent call last):\nRuntimeError: worker lost\n';
    const errored = await launch({
      pendingMs: 0,
      runningMs: 0,
      outcome: 'error',
      jobExplanation: 'Job terminated due to error',
      resultTraceback: traceback,
    });
    expect(await until(errored, 'error')).toMatchObject({
      failed: true,
      job_explanation: 'Job terminated due to error',
      result_traceback: traceback,
    });
  });

  it('cancels a running job with 202, then answers 405 once it is finished', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 60_000, cancelMs: 10 });
    await until(id, 'running');
    expect(await (await request('GET', `jobs/${id}/cancel/`)).json()).toEqual({ can_cancel: true });
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    const canceled = await until(id, 'canceled');
    expect(canceled).toMatchObject({ failed: true });
    const again = await request('POST', `jobs/${id}/cancel/`);
    expect(again.status).toBe(405);
    expect(await again.json()).toEqual({ detail: 'Method "POST" not allowed.' });
    expect(await (await request('GET', `jobs/${id}/cancel/`)).json()).toEqual({
      can_cancel: false,
    });
  });

  it('answers a cancel sent again while the job is canceling with 202, without putting its end off', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 60_000, cancelMs: 300 });
    await until(id, 'running');
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    // Cancels every 100 ms re-armed the 300 ms end each time before: it never came.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await request('POST', `jobs/${id}/cancel/`);
      if ((await job(id)).status === 'canceled') break;
      expect(again.status).toBe(202);
    }
    expect((await job(id)).status).toBe('canceled');
  });

  it('answers a cancel of a finished job with 403 to a user who is not an administrator', async () => {
    const user = await startAwxSimulator({ superuser: false });
    try {
      const template = user.state.addJobTemplate({
        name: 'quick',
        schedule: { pendingMs: 0, runningMs: 0 },
      });
      const headers = { Authorization: `Bearer ${user.token}` };
      const launched = await fetch(`${user.apiUrl}job_templates/${template.id}/launch/`, {
        method: 'POST',
        headers,
      });
      const { job: id } = (await launched.json()) as { job: number };
      const deadline = Date.now() + 5000;
      while (user.state.job(id)?.status !== 'successful' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const response = await fetch(`${user.apiUrl}jobs/${id}/cancel/`, { method: 'POST', headers });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        detail: 'You do not have permission to perform this action.',
      });
    } finally {
      await user.stop();
    }
  });

  it('deletes a finished job, and refuses a running one or one whose events are being saved', async () => {
    const running = await launch({ pendingMs: 0, runningMs: 60_000 });
    await until(running, 'running');
    const refused = await request('DELETE', `jobs/${running}/`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ detail: 'Cannot delete running job resource.' });
    expect((await job(running)).summary_fields.user_capabilities.delete).toBe(true);

    const lagging = await launch({ pendingMs: 0, runningMs: 0, eventsLagMs: 60_000 });
    await until(lagging, 'successful');
    const processing = await request('DELETE', `jobs/${lagging}/`);
    expect(processing.status).toBe(400);
    expect(await processing.json()).toEqual({ error: 'Job has not finished processing events.' });

    const done = await launch({ pendingMs: 0, runningMs: 0 });
    await until(done, 'successful');
    const deleted = await request('DELETE', `jobs/${done}/`);
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
    expect((await request('GET', `jobs/${done}/`)).status).toBe(404);
    expect((await request('DELETE', `jobs/${done}/`)).status).toBe(404);
  });

  it('lets only an admin of the organization delete a job when the user is not an administrator', async () => {
    const user = await startAwxSimulator({ superuser: false });
    try {
      const member = user.state.addOrganization('Members', '', 'member');
      const headers = { Authorization: `Bearer ${user.token}` };
      const finished = async (organization: number) => {
        const template = user.state.addJobTemplate({
          name: `quick-${organization}`,
          organization,
          schedule: { pendingMs: 0, runningMs: 0 },
        });
        const { id } = user.state.launch(template.id);
        const deadline = Date.now() + 5000;
        while (user.state.job(id)?.status !== 'successful' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return id;
      };
      const remove = (id: number) =>
        fetch(`${user.apiUrl}jobs/${id}/`, { method: 'DELETE', headers });
      const theirs = await finished(member.id);
      const view = await fetch(`${user.apiUrl}jobs/${theirs}/`, { headers });
      expect(((await view.json()) as Body).summary_fields.user_capabilities.delete).toBe(false);
      expect((await remove(theirs)).status).toBe(403);
      expect((await remove(await finished(1))).status).toBe(204);
    } finally {
      await user.stop();
    }
  });

  it('cancels a pending job at once', async () => {
    const id = await launch({ pendingMs: 60_000 });
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    expect(await job(id)).toMatchObject({ status: 'canceled', started: null });
    const body = await job(id);
    expect(body.canceled_on).toBe(body.finished);
  });

  it('only flags a waiting job, which the dispatcher holds: it stays waiting, its cancel noted', async () => {
    // UnifiedJob.cancel (unified_jobs.py:1503-1511): the dispatcher acknowledged, so the status
    // is left to RunJob.run; canceled_on is saved with the flag (unified_jobs.py:925).
    const id = await launch({ pendingMs: 0, waitingMs: 60_000, cancelMs: 60_000 });
    await until(id, 'waiting');
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    const flagged = await job(id);
    expect(flagged).toMatchObject({ status: 'waiting', failed: false, finished: null });
    expect(flagged.canceled_on).toEqual(expect.any(String));
    expect(await (await request('GET', `jobs/${id}/cancel/`)).json()).toEqual({ can_cancel: true });
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    expect((await job(id)).canceled_on).toBe(flagged.canceled_on);
  });

  it('shows when a running job was asked to cancel while it still runs', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 60_000, cancelMs: 60_000 });
    await until(id, 'running');
    expect((await job(id)).canceled_on).toBeNull();
    expect((await request('POST', `jobs/${id}/cancel/`)).status).toBe(202);
    expect(await job(id)).toMatchObject({ status: 'running', canceled_on: expect.any(String) });
  });

  it('serves stdout as text/plain once the job has run', async () => {
    const id = await launch({ pendingMs: 60_000 });
    expect(await (await request('GET', `jobs/${id}/stdout/?format=txt`)).text()).toBe('');
    const ran = await launch({
      pendingMs: 0,
      runningMs: 0,
      stdout: ['TASK [restart]', 'ok: [web-1]'],
    });
    await until(ran, 'successful');
    const response = await request('GET', `jobs/${ran}/stdout/?format=txt`);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('TASK [restart]\nok: [web-1]\n');
    expect((await request('GET', `jobs/${ran}/stdout/?format=bogus`)).status).toBe(404);
  });

  it('leaves the events that printed nothing out of stdout, as AWX copies only the others', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: ['PLAY [x]', '', 'TASK [a]'] });
    await until(id, 'successful');
    const download = await request('GET', `jobs/${id}/stdout/?format=txt_download`);
    expect(await download.text()).toBe('PLAY [x]\nTASK [a]\n');
    const json = (await (await request('GET', `jobs/${id}/stdout/?format=json`)).json()) as Body;
    expect(json).toEqual({
      range: { start: 0, end: 2, absolute_end: 2 },
      content: 'PLAY [x]\nTASK [a]\n',
    });
    // The events themselves are all there.
    const events = (await (await request('GET', `jobs/${id}/job_events/`)).json()) as Body;
    expect(events.count).toBe(3);
  });

  it('reads start_line and end_line as _result_stdout_raw_limited slices the output, and int() refuses text with a 500', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: ['a', 'b', 'c', 'd'] });
    await until(id, 'successful');
    const json = async (query: string) =>
      (await request('GET', `jobs/${id}/stdout/?format=json&${query}`)).json();
    // Each [content, start, end] as Python's lines[start_line:end_line] and AWX's range make it.
    const cases: ReadonlyArray<readonly [string, string, number, number]> = [
      ['start_line=1&end_line=3', 'b\nc\n', 1, 3],
      ['start_line=-2', 'c\nd\n', 2, 4],
      ['start_line=-10', 'a\nb\nc\nd\n', -6, 4],
      ['start_line=2&end_line=-1', 'c\n', 2, -1],
      ['end_line=10&start_line=9&start_line=0', 'a\nb\nc\nd\n', 0, 4],
      ['start_line=5', '', 5, 4],
    ];
    for (const [query, content, start, end] of cases) {
      expect([query, await json(query)]).toEqual([
        query,
        { range: { start, end, absolute_end: 4 }, content },
      ]);
    }
    expect(await json('start_line=3&content_encoding=base64')).toEqual({
      range: { start: 3, end: 4, absolute_end: 4 },
      content: Buffer.from('d\n').toString('base64'),
    });
    const html = await request('GET', `jobs/${id}/stdout/?format=html&start_line=3`);
    expect(await html.text()).toContain('<pre>d\n</pre>');
    for (const query of ['start_line=x', 'end_line=', 'format=html&start_line=1.0']) {
      const response = await request('GET', `jobs/${id}/stdout/?format=json&${query}`);
      expect([query, response.status]).toEqual([query, 500]);
    }
    // The text formats read neither.
    const txt = await request('GET', `jobs/${id}/stdout/?format=txt&start_line=x`);
    expect(await txt.text()).toBe('a\nb\nc\nd\n');
  });

  it("saves a job's events a while after it ends, its stdout only what is saved", async () => {
    const lines = ['TASK [a]', 'ok: [web-1]', 'TASK [b]', 'fatal: [web-1]: FAILED!'];
    const id = await launch({
      pendingMs: 0,
      runningMs: 0,
      outcome: 'failed',
      stdout: lines,
      eventsLagMs: 300,
    });
    const ended = await until(id, 'failed');
    expect(ended.event_processing_finished).toBe(false);
    const [row] = ((await (await request('GET', `jobs/?id=${id}`)).json()) as Body).results;
    expect(row).not.toHaveProperty('event_processing_finished');
    const read = async () =>
      (await request('GET', `jobs/${id}/stdout/?format=txt_download`)).text();
    expect(await read()).toBe('TASK [a]\nok: [web-1]\n');
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await job(id)).event_processing_finished).toBe(true);
    expect(await read()).toBe(`${lines.join('\n')}\n`);
  });

  it("renders the stdout view's errors as text for a text format, as AWX's PlainTextRenderer does", async () => {
    const missing = await request('GET', 'jobs/999999/stdout/?format=txt_download');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await missing.text()).toBe(
      "{'detail': ErrorDetail(string='No Job matches the given query.', code='not_found')}",
    );
    const json = await request('GET', 'jobs/999999/stdout/?format=json');
    expect(await json.json()).toEqual({ detail: 'No Job matches the given query.' });
  });

  it('renders stdout as the Accept header asks when no format is given, and refuses what it cannot render', async () => {
    const id = await launch({
      pendingMs: 0,
      runningMs: 0,
      stdout: ['\x1b[0;32mok: [web-1]\x1b[0m'],
    });
    await until(id, 'successful');
    const accepting = (accept: string, query = '', authorization = `Bearer ${sim.token}`) =>
      fetch(`${sim.apiUrl}jobs/${id}/stdout/${query}`, {
        headers: { Authorization: authorization, Accept: accept },
      });
    const plain = await accepting('text/plain');
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await plain.text()).toBe('ok: [web-1]\n');
    // The view's renderers in their order, the most specific media type first, `q` ignored.
    const asJson = (await (await accepting('application/json')).json()) as Body;
    expect(asJson.content).toContain('ok: [web-1]');
    expect((await accepting('text/*, application/json')).headers.get('content-type')).toBe(
      'application/json',
    );
    expect(
      (await accepting('text/plain;q=0.1, application/json;q=0.9')).headers.get('content-type'),
    ).toBe('text/plain; charset=utf-8');
    expect((await accepting('*/*')).headers.get('content-type')).toMatch(/^text\/html/);
    // A format keeps only its renderer, which the Accept header must then match: DRF checks
    // both before it authenticates anyone.
    const refused = await accepting('application/json', '?format=txt_download', 'Bearer nope');
    expect(refused.status).toBe(406);
    expect(await refused.text()).toContain('Could not satisfy the request Accept header.');
    expect((await accepting('text/plain', '?format=txt_download')).status).toBe(200);
    expect((await accepting('text/plain', '?format=bogus', 'Bearer nope')).status).toBe(404);
  });

  it('answers 406 on the JSON views to an Accept header they cannot satisfy, and 404 to another format', async () => {
    const get = (path: string, accept: string) =>
      fetch(`${sim.apiUrl}${path}`, { headers: { Accept: accept } });
    const refused = await get('ping/', 'text/plain');
    expect(refused.status).toBe(406);
    expect(await refused.json()).toEqual({
      detail: 'Could not satisfy the request Accept header.',
    });
    expect((await get('ping/?format=txt', 'application/json')).status).toBe(404);
    expect((await get('ping/', 'text/plain, application/json')).status).toBe(200);
  });

  it("takes the last of several formats, as Django's QueryDict.get does", async () => {
    const get = (query: string) => fetch(`${sim.apiUrl}ping/${query}`);
    expect((await get('?format=txt&format=json')).status).toBe(200);
    expect((await get('?format=json&format=txt')).status).toBe(404);
  });

  it('answers a notice instead of an output over 1 MiB, except to a download', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `ok: [host-${i}] ${'=>'.repeat(25)}`);
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines });
    await until(id, 'successful');
    const size = lines.reduce((sum, line) => sum + line.length, 0);
    const notice = `Standard Output too large to display (${size} bytes), only download supported for sizes over 1048576 bytes.`;
    for (const format of ['txt', 'ansi']) {
      const response = await request('GET', `jobs/${id}/stdout/?format=${format}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(notice);
    }
    expect(await (await request('GET', `jobs/${id}/stdout/?format=json`)).json()).toEqual({
      range: { start: 0, end: 1, absolute_end: 1 },
      content: notice,
    });
    // int(end_line) comes before the output is measured, int(start_line) after.
    const limited = (query: string) => request('GET', `jobs/${id}/stdout/?format=json&${query}`);
    expect((await limited('start_line=x')).status).toBe(200);
    expect((await limited('end_line=x')).status).toBe(500);
    const download = await request('GET', `jobs/${id}/stdout/?format=txt_download`);
    expect(download.headers.get('content-type')).toBe('text/plain');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="job_${id}.txt"`,
    );
    expect(await download.text()).toBe(`${lines.join('\n')}\n`);
    const ansi = await request('GET', `jobs/${id}/stdout/?format=ansi_download`);
    expect(ansi.headers.get('content-disposition')).toBe(
      `attachment; filename="job_${id}.ansi.txt"`,
    );
  });

  it('strips ANSI sequences from the text formats only', async () => {
    const coloured = '\u001b[0;32mok: [web-1]\u001b[0m';
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: [coloured] });
    await until(id, 'successful');
    const read = async (format: string) =>
      (await request('GET', `jobs/${id}/stdout/?format=${format}`)).text();
    expect(await read('txt')).toBe('ok: [web-1]\n');
    expect(await read('txt_download')).toBe('ok: [web-1]\n');
    expect(await read('ansi')).toBe(`${coloured}\n`);
    expect(await read('ansi_download')).toBe(`${coloured}\n`);
  });

  it('strips ANSI sequences from the txt download a line at a time, as its StdoutFilter does', async () => {
    // A colour sequence left unended: `txt` strips the whole output at once, so the sequence
    // runs on to the next `m`, across the line break; the download strips each line alone.
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: ['a\u001b[1', 'TASK [m]'] });
    await until(id, 'successful');
    const read = async (format: string) =>
      (await request('GET', `jobs/${id}/stdout/?format=${format}`)).text();
    expect(await read('txt_download')).toBe('a\u001b[1\nTASK [m]\n');
    expect(await read('txt')).toBe('a]\n');
  });

  it("numbers an event's lines by every newline it printed, which the download breaks only at \\r\\n", async () => {
    const id = await launch({
      pendingMs: 0,
      runningMs: 0,
      stdout: ['one\ntwo', 'three\r\nfour', 'five'],
    });
    await until(id, 'successful');
    const events = (await (await request('GET', `jobs/${id}/job_events/`)).json()) as Body;
    const lines = events.results.map((e: { start_line: number; end_line: number }) => [
      e.start_line,
      e.end_line,
    ]);
    expect(lines).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    const download = await request('GET', `jobs/${id}/stdout/?format=txt_download`);
    expect(await download.text()).toBe('one\\ntwo\nthree\nfour\nfive\n');
  });

  it("escapes stdout as PostgreSQL's COPY text format does, its events and job_events not", async () => {
    // Ansible printed a value holding both quotes and a backslash as JSON, then two lines.
    const printed = 'ok: [web-1] => {"msg": "it\'s \\"C:\\\\x\\"\ttab"}';
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: [printed, 'one\r\ntwo'] });
    await until(id, 'successful');
    const copied = 'ok: [web-1] => {"msg": "it\'s \\\\"C:\\\\\\\\x\\\\"\\ttab"}\none\ntwo\n';
    for (const format of ['txt', 'ansi', 'txt_download', 'ansi_download']) {
      expect(await (await request('GET', `jobs/${id}/stdout/?format=${format}`)).text()).toBe(
        copied,
      );
    }
    expect(await (await request('GET', `jobs/${id}/stdout/?format=json`)).json()).toEqual({
      range: { start: 0, end: 3, absolute_end: 3 },
      content: copied,
    });
    const events = (await (await request('GET', `jobs/${id}/job_events/`)).json()) as Body;
    expect(events.results.map((event: { stdout: string }) => event.stdout)).toEqual([
      printed,
      'one\r\ntwo',
    ]);
  });

  it("escapes the HTML formats' quotes as Python's html.escape does", async () => {
    const printed = `ok: [web-1] => {"msg": "it's <b> & 'c'"}`;
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: [printed] });
    await until(id, 'successful');
    const escaped =
      'ok: [web-1] =&gt; {&quot;msg&quot;: &quot;it&#x27;s &lt;b&gt; &amp; &#x27;c&#x27;&quot;}';
    for (const format of ['html', 'api']) {
      const page = await (await request('GET', `jobs/${id}/stdout/?format=${format}`)).text();
      expect(page).toContain(`${escaped}\n`);
    }
  });

  it("fails a job that outlasts its timeout, as AWX's runner does", async () => {
    const template = sim.state.addJobTemplate({
      name: 'times-out',
      timeout: 1,
      schedule: { pendingMs: 0, runningMs: 60_000 },
    });
    const response = await request('POST', `job_templates/${template.id}/launch/`);
    const { job: id } = (await response.json()) as { job: number };
    const stopped = await until(id, 'failed', 'successful');
    expect(stopped).toMatchObject({
      status: 'failed',
      timeout: 1,
      job_explanation: 'Job terminated due to timeout',
    });
    expect(stopped.elapsed).toBeGreaterThanOrEqual(1);
  });

  it('fails a job whose credential lacks a required input before it starts', async () => {
    const type = sim.state.addCredentialType({
      name: 'needs-token',
      kind: 'cloud',
      inputs: { fields: [{ id: 'token', label: 'token', secret: true }], required: ['token'] },
    });
    const incomplete = sim.state.addCredential({
      name: 'incomplete',
      credential_type: type.id,
      organization: 1,
      inputs: {},
    });
    const id = await launch({ pendingMs: 0 }, [incomplete.id]);
    expect(await until(id, 'failed')).toMatchObject({
      started: null,
      job_explanation:
        'Job cannot start because Credential incomplete does not provide one or more required fields (token).',
    });
  });
});
