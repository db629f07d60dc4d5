import { describe, expect, it } from 'vitest';
import type { JobEventsWindow, JobReader } from './awx-roles.js';
import { jobOutput } from './job-output.js';
import type { Job, JobEvent } from './schemas.js';
import { readLines } from './stdout-reader.js';

async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

interface State {
  readonly status: Job['status'];
  /** The events AWX has saved, in the order it saved them. */
  readonly events?: readonly JobEvent[];
  readonly stdout?: string;
}

/**
 * AWX as seen by one job: each read of the job moves to the next state (the last one repeated);
 * its events are served as `jobs/{id}/job_events/` serves the saved ones, `pageSize` a page
 * (AWX's MAX_PAGE_SIZE).
 */
function awxOf(states: readonly State[], pageSize = 200) {
  let reads = 0;
  const state = () => states[Math.min(Math.max(reads - 1, 0), states.length - 1)] as State;
  const windows: JobEventsWindow[] = [];
  const awx: JobReader = {
    async getJob() {
      reads += 1;
      return { id: 7, status: state().status } as Job;
    },
    async findJob() {
      return null;
    },
    async jobStdoutTail() {
      return state().stdout ?? '';
    },
    async jobStdoutLines(_id, selection) {
      return readLines(chunks(state().stdout ?? ''), selection);
    },
    async jobEvents(_id, window) {
      windows.push(window);
      const saved = [...(state().events ?? [])];
      const chosen =
        'after' in window
          ? saved
              .filter((e) => window.after === undefined || e.counter > window.after)
              .sort((a, b) => a.counter - b.counter)
          : saved
              .filter((e) => window.newestBefore === undefined || e.counter < window.newestBefore)
              .sort((a, b) => b.counter - a.counter);
      return { events: chosen.slice(0, pageSize), more: chosen.length > pageSize };
    },
  };
  return { awx, windows };
}

const events = (...stdouts: string[]): JobEvent[] =>
  stdouts.map((stdout, index) => ({ counter: index + 1, stdout }));

async function collect(lines: AsyncIterable<{ source: string; text: string }>) {
  const texts: string[] = [];
  for await (const line of lines) texts.push(line.text);
  return texts;
}

describe('jobOutput', () => {
  it('gives the last lines of a finished job once, naming the job', async () => {
    const { awx } = awxOf([
      { status: 'failed', stdout: 'PLAY [x]\nTASK [a]\nfatal: unreachable\n' },
    ]);
    const lines = [];
    for await (const line of jobOutput(awx, 7, { tailLines: 2 })) lines.push(line);
    expect(lines).toEqual([
      { source: 'awx job 7', text: 'TASK [a]' },
      { source: 'awx job 7', text: 'fatal: unreachable' },
    ]);
  });

  it('follows a running job by its events, giving each line once, in order, across polls', async () => {
    const all = events('PLAY [x]', '', 'TASK [a]\r\n\x1b[0;32mok: [web-1]\x1b[0m', 'PLAY RECAP');
    const { awx, windows } = awxOf([
      { status: 'running', events: all.slice(0, 2) },
      { status: 'running', events: all.slice(0, 3) },
      { status: 'successful', events: all },
    ]);
    expect(await collect(jobOutput(awx, 7, { follow: true }))).toEqual([
      'PLAY [x]',
      'TASK [a]',
      'ok: [web-1]',
      'PLAY RECAP',
    ]);
    expect(windows).toEqual([
      { newestBefore: undefined },
      { after: 2 },
      { after: 2 },
      { after: 3 },
    ]);
  }, 20_000);

  it('waits for an event saved after a later one, then gives both in order', async () => {
    const all = events('one', 'two', 'three', 'four');
    const { awx } = awxOf([
      { status: 'running', events: [] },
      { status: 'running', events: [all[0], all[1], all[3]] as JobEvent[] },
      { status: 'successful', events: all },
    ]);
    expect(await collect(jobOutput(awx, 7, { follow: true }))).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
  }, 20_000);

  it('reads every page of an AWX whose MAX_PAGE_SIZE is below the 200 asked for', async () => {
    const many = events(...Array.from({ length: 120 }, (_, i) => `line ${i}`));
    const { awx } = awxOf(
      [
        { status: 'running', events: many.slice(0, 70) },
        { status: 'successful', events: many },
      ],
      50,
    );
    const given = await collect(jobOutput(awx, 7, { follow: true }));
    expect(given).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i}`));
  }, 20_000);

  it('starts a follow from the last lines asked for, then gives what comes after', async () => {
    const many = events(...Array.from({ length: 450 }, (_, i) => `line ${i}`));
    const { awx } = awxOf([
      { status: 'running', events: many.slice(0, 430) },
      { status: 'successful', events: many },
    ]);
    const given = await collect(jobOutput(awx, 7, { follow: true, tailLines: 3 }));
    expect(given).toEqual([
      'line 427',
      'line 428',
      'line 429',
      ...Array.from({ length: 20 }, (_, i) => `line ${430 + i}`),
    ]);
  }, 20_000);
});
