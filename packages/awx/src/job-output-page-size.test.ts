import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { jobOutput } from './job-output.js';
import { outputScrub } from './output-scrub.js';

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

// 200 events of 400 KB: 80 MB a page of them, past the 64 MiB an answer is read to, though each
// is small alone.
const large = Array.from({ length: 200 }, (_, i) => `m${i} ${'z'.repeat(400_000)}`);
const small = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * A follow of a job that printed `stdout`, one event each, whose first half AWX has saved when
 * the follow begins: the lines given, and the reads of events it cost.
 */
async function follow(stdout: string[]) {
  const template = sim.state.addJobTemplate({
    name: 'large-events',
    schedule: { pendingMs: 0, runningMs: 0, outcome: 'successful', stdout, eventsLagMs: 6_000 },
  });
  const { job: id } = await awx.launch(template.id, { extraVars: {} });
  while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
  const from = sim.requests.length;
  const lines: string[] = [];
  for await (const line of jobOutput(awx, id, outputScrub([], false), { follow: true })) {
    lines.push(line.text);
  }
  const reads = sim.requests
    .slice(from)
    .filter((request) => new URL(request.path, sim.url).pathname.endsWith('/job_events/'));
  const pageSizes = reads.map((read) => new URL(read.path, sim.url).searchParams.get('page_size'));
  // Each a page of large events, read to the bound before it was asked again as one event.
  const atBound = reads.filter((read) => read.bytes > 64 * 1024 * 1024);
  return {
    lines,
    reads: reads.length,
    ofOne: pageSizes.filter((size) => size === '1').length,
    atBound: atBound.length,
  };
}

it('goes back to full pages of events after the follow met a page of many large events', async () => {
  // Saved when the follow begins: the small events before the large ones.
  const stdout = [...small('a', 1200), ...large, ...small('c', 1000)];

  const { lines, reads, ofOne, atBound } = await follow(stdout);

  expect(lines).toEqual(stdout);
  // Kept at one event a page, the 1200 events after the first large one cost a read each.
  expect(reads).toBeLessThan(40);
  expect(ofOne).toBeLessThan(5);
  expect(atBound).toBeLessThanOrEqual(2);
}, 120_000);

it('goes back to full pages of events after the first lines of a follow were large events', async () => {
  // Saved when the follow begins: the large events last; its first lines are the newest of them.
  const stdout = [...small('a', 800), ...large, ...small('c', 1000)];

  const { lines, reads, ofOne, atBound } = await follow(stdout);

  expect(lines).toEqual(stdout.slice(stdout.length - lines.length));
  expect(lines.slice(-1000)).toEqual(small('c', 1000));
  expect(reads).toBeLessThan(40);
  expect(ofOne).toBeLessThan(5);
  expect(atBound).toBeLessThanOrEqual(2);
}, 120_000);
