import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, type JobScheduleInput, startAwxSimulator } from './index.js';
import { truncateStdout } from './job-events.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const get = async (path: string) =>
  fetch(`${sim.apiUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } });
const launch = async (schedule: JobScheduleInput) => {
  const template = sim.state.addJobTemplate({ name: `t-${Math.random()}`, schedule });
  const response = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
  });
  return ((await response.json()) as { job: number }).job;
};
const finished = async (id: number) => {
  for (let tries = 0; tries < 500; tries++) {
    const body: Body = await (await get(`jobs/${id}/`)).json();
    if (body.status === 'successful') return body;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${id} did not finish`);
};

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('jobs/{id}/job_events/', () => {
  it('lists saved events after a counter, in counter order, a page at a time', async () => {
    const lines = ['PLAY [x]', 'TASK [a]', 'ok: [web-1]', 'PLAY RECAP'];
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines });
    await finished(id);
    const response = await get(
      `jobs/${id}/job_events/?order_by=counter&counter__gt=1&page_size=2&no_truncate=1`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ui-max-events')).toBe('4000');
    const page: Body = await response.json();
    expect(page.count).toBe(3);
    expect(page.next).not.toBeNull();
    expect(page.results).toMatchObject([
      { counter: 2, stdout: 'TASK [a]', start_line: 1, end_line: 2, job: id },
      { counter: 3, stdout: 'ok: [web-1]', start_line: 2, end_line: 3, job: id },
    ]);
  });

  it("searches the events' stdout, the view's search field", async () => {
    const lines = ['PLAY [deploy]', 'TASK [restart web]', 'ok: [web-1]', 'PLAY RECAP'];
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines });
    await finished(id);
    const search = async (terms: string) => {
      const page: Body = await (await get(`jobs/${id}/job_events/?search=${terms}`)).json();
      return page.results.map((e: Body) => e.stdout);
    };
    expect(await search('web')).toEqual(['TASK [restart web]', 'ok: [web-1]']);
    expect(await search('web+restart')).toEqual(['TASK [restart web]']);
    expect(await search('deployment')).toEqual([]);
  });

  it('gives an event that printed nothing no line, and one that printed two lines two', async () => {
    const lines = ['TASK [a]', '', 'ok: [web-1]\r\nchanged', 'PLAY RECAP'];
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines });
    await finished(id);
    const page: Body = await (await get(`jobs/${id}/job_events/?order_by=counter`)).json();
    expect(page.results.map((e: Body) => [e.start_line, e.end_line])).toEqual([
      [0, 1],
      [1, 1],
      [1, 3],
      [3, 4],
    ]);
  });

  it("numbers a bare newline one line with stdout '', selects it by an empty stdout filter, and leaves it out of the download", async () => {
    const lines = ['TASK [a]', '', '', 'ok: [web-1]'];
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines, bareNewlines: [1] });
    await finished(id);
    const page: Body = await (await get(`jobs/${id}/job_events/?order_by=counter`)).json();
    expect(page.results.map((e: Body) => [e.stdout, e.start_line, e.end_line])).toEqual([
      ['TASK [a]', 0, 1],
      ['', 1, 2],
      ['', 2, 2],
      ['ok: [web-1]', 2, 3],
    ]);
    const blank: Body = await (await get(`jobs/${id}/job_events/?stdout=&counter__lte=2`)).json();
    expect(blank.results.map((e: Body) => e.counter)).toEqual([2]);
    const download = await get(`jobs/${id}/stdout/?format=txt_download`);
    expect(await download.text()).toBe('TASK [a]\nok: [web-1]\n');
  });

  it('refuses a bare newline that names an event with stdout', () => {
    expect(() =>
      sim.state.addJobTemplate({ name: 'bare', schedule: { stdout: ['x'], bareNewlines: [0] } }),
    ).toThrow(/bareNewlines/);
  });

  it('lists only the events saved so far while AWX is still saving them', async () => {
    const lines = ['TASK [a]', 'ok: [web-1]', 'TASK [b]', 'ok: [web-1]'];
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: lines, eventsLagMs: 300 });
    await finished(id);
    const counters = async () => {
      const page: Body = await (await get(`jobs/${id}/job_events/?order_by=counter`)).json();
      return page.results.map((event: Body) => event.counter);
    };
    expect(await counters()).toEqual([1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await counters()).toEqual([1, 2, 3, 4]);
  });

  it('refuses a filter on a field events do not have, as AWX does', async () => {
    const id = await launch({ pendingMs: 0, runningMs: 0 });
    const response = await get(`jobs/${id}/job_events/?line__gt=3`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: "JobEvent has no field named 'line'" });
  });

  it('cuts a long stdout unless asked not to, and answers 404 for a job that is not there', async () => {
    const long = 'x'.repeat(2000);
    const id = await launch({ pendingMs: 0, runningMs: 0, stdout: [long] });
    await finished(id);
    const stdoutOf = async (query: string) =>
      ((await (await get(`jobs/${id}/job_events/?${query}`)).json()) as Body).results[0].stdout;
    expect(await stdoutOf('')).toBe(`${'x'.repeat(1023)}\u2026`);
    expect(await stdoutOf('no_truncate=1')).toBe(long);
    // Django's QueryDict.get takes the last of several values.
    expect(await stdoutOf('no_truncate=1&no_truncate=')).toBe(`${'x'.repeat(1023)}\u2026`);
    expect(await stdoutOf('no_truncate=&no_truncate=0')).toBe(long);
    const missing = await get('jobs/999999/job_events/');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-ui-max-events')).toBe('4000');
  });

  it('closes every colour a cut leaves open', () => {
    expect(truncateStdout(`\x1b[31m${'y'.repeat(20)}`, 10)).toBe(
      `\x1b[31m${'y'.repeat(4)}\u2026\x1b[0m`,
    );
  });
});
