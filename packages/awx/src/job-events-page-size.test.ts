import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { AwxAnswerTooLargeError } from './awx-errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

let sim: AwxSimulator;
let awx: AwxClient;

beforeEach(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
});

afterEach(async () => {
  await awx.close();
  await sim.stop();
});

/** A job that ended, whose events printed `stdout`, one entry each. */
async function endedJob(stdout: string[]): Promise<number> {
  const template = sim.state.addJobTemplate({
    name: 'huge-events',
    schedule: { pendingMs: 0, runningMs: 0, outcome: 'failed', stdout, eventsLagMs: 0 },
  });
  const { job: id } = await awx.launch(template.id, { extraVars: {} });
  while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
  return id;
}

/** The events answers served since request `from`: the page size each asked, and its bytes. */
function eventReads(from: number) {
  return sim.requests
    .slice(from)
    .filter((request) => request.path.includes('/job_events/'))
    .map((request) => ({
      pageSize: new URL(request.path, sim.url).searchParams.get('page_size'),
      bytes: request.bytes,
    }));
}

it('reads a page of events larger than the client reads again as one event', async () => {
  // 96 events of 700 KiB: 67 MiB a page of all of them, past the 64 MiB an answer is read to.
  const stdout = Array.from({ length: 96 }, (_, i) => `${i} ${'x'.repeat(700 * KiB)}`);
  const id = await endedJob(stdout);
  const from = sim.requests.length;

  const page = await awx.jobEvents(id, { after: 0 });

  expect(eventReads(from).map((read) => read.pageSize)).toEqual(['200', '1']);
  expect(page.events.map((event) => event.stdout)).toEqual(stdout.slice(0, 1));
  expect(page).toMatchObject({ more: true, pageSize: 1 });
}, 120_000);

it('reads at most two answers past the bound before an event too large alone is refused', async () => {
  // An event of 65 MiB first: every page holding it, one event or 200, is past the bound.
  const stdout = [`big ${'y'.repeat(65 * MiB)}`, 'ok: [web-1]', 'PLAY RECAP'];
  const id = await endedJob(stdout);
  const from = sim.requests.length;

  const error = await awx.jobEvents(id, { after: 0 }).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(AwxAnswerTooLargeError);
  const reads = eventReads(from);
  expect(reads.map((read) => read.pageSize)).toEqual(['200', '1']);
  // Halving the page down to one event served eight of these, each read to the client's bound.
  expect(reads.filter((read) => read.bytes > 64 * MiB)).toHaveLength(2);
}, 120_000);
