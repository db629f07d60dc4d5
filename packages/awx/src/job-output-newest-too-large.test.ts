import { expect, it } from 'vitest';
import { AwxAnswerTooLargeError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import { jobOutput } from './job-output.js';
import { unshownLinesOf } from './job-output.test-support.js';
import { outputScrub } from './output-scrub.js';
import type { Job, JobEvent } from './schemas.js';
import { readLines } from './stdout-reader.js';

async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** An event too large to read even alone, as JobsApi.jobEvents finds one. */
const big = 'big-a\r\nbig-b';

/** Events numbered as ansible-runner numbers them: counters from 1, lines from 0. */
const events = (...stdouts: string[]): JobEvent[] => {
  let line = 0;
  return stdouts.map((stdout, index) => {
    const start_line = line;
    line += stdout.split('\n').length;
    return { counter: index + 1, stdout, start_line, end_line: line };
  });
};

/**
 * AWX as seen by one job, each read of the job the next state (the last one repeated), counting
 * the reads of its download: a page holding `big` is asked again as one event, then refused.
 */
function awxOf(states: ReadonlyArray<{ status: Job['status']; events: readonly JobEvent[] }>) {
  let reads = 0;
  const state = () => states[Math.min(Math.max(reads - 1, 0), states.length - 1)];
  const counts = { downloads: 0 };
  const awx: JobReader = {
    async getJob() {
      reads += 1;
      return { id: 7, status: state()?.status } as Job;
    },
    async findJob() {
      return null;
    },
    async jobStdoutTail() {
      return '';
    },
    async jobStdoutLines(_id, selection) {
      counts.downloads += 1;
      const text = (state()?.events ?? []).map(
        (event) => `${event.stdout.replaceAll('\r\n', '\n')}\n`,
      );
      return readLines(chunks(text.join('')), selection);
    },
    async jobEvents(_id, window) {
      const saved = state()?.events ?? [];
      const chosen =
        'after' in window
          ? saved.filter((e) => e.counter > (window.after ?? 0))
          : saved
              .filter((e) => window.newestBefore === undefined || e.counter < window.newestBefore)
              .reverse();
      const page = (size: number) => ({
        events: chosen.slice(0, size),
        more: chosen.length > size,
        pageSize: size,
      });
      const asked = window.pageSize ?? 200;
      for (const size of [asked, 1]) {
        if (page(size).events.every((event) => event.stdout !== big)) return page(size);
      }
      throw new AwxAnswerTooLargeError('GET jobs/7/job_events/', 64 << 20);
    },
    async unshownLines(_id, through) {
      return unshownLinesOf(state()?.events ?? [], through);
    },
  };
  return { awx, counts };
}

it('goes back to the events once the job printed past the newest event, too large to read, that the follow started at', async () => {
  const all = events('one', 'two', big, 'four', 'five', 'six');
  const { awx, counts } = awxOf([
    { status: 'running', events: all.slice(0, 3) },
    { status: 'running', events: all.slice(0, 3) },
    { status: 'running', events: all.slice(0, 4) },
    { status: 'running', events: all.slice(0, 5) },
    { status: 'running', events: all.slice(0, 5) },
    { status: 'successful', events: all },
  ]);
  const lines: string[] = [];
  for await (const line of jobOutput(awx, 7, outputScrub([], false), { follow: true })) {
    lines.push(line.text);
  }
  expect(lines).toEqual(['one', 'two', 'big-a', 'big-b', 'four', 'five', 'six']);
  // Once when the follow starts, once for the lines up to the first event it can read: each
  // later poll reads the events after it, not the download again.
  expect(counts.downloads).toBe(2);
}, 30_000);

it('gives the last lines asked for, then every line once, when the follow started at such an event', async () => {
  const all = events('one', 'two', big, 'four', 'five');
  const { awx, counts } = awxOf([
    { status: 'running', events: all.slice(0, 3) },
    { status: 'running', events: all.slice(0, 4) },
    { status: 'successful', events: all },
  ]);
  const lines: string[] = [];
  const options = { follow: true, tailLines: 3 };
  for await (const line of jobOutput(awx, 7, outputScrub([], false), options))
    lines.push(line.text);
  expect(lines).toEqual(['two', 'big-a', 'big-b', 'four', 'five']);
  expect(counts.downloads).toBe(2);
}, 30_000);

it('follows the download to the end of a job whose newest event stays too large to read', async () => {
  const all = events('one', big, 'three', big);
  const { awx, counts } = awxOf([
    { status: 'running', events: all.slice(0, 2) },
    { status: 'running', events: all.slice(0, 2) },
    { status: 'successful', events: all },
  ]);
  const lines: string[] = [];
  for await (const line of jobOutput(awx, 7, outputScrub([], false), { follow: true })) {
    lines.push(line.text);
  }
  expect(lines).toEqual(['one', 'big-a', 'big-b', 'three', 'big-a', 'big-b']);
  // A poll that finds the newest still too large does not read the download again.
  expect(counts.downloads).toBe(2);
}, 30_000);
