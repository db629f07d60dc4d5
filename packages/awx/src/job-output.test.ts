import { describe, expect, it } from 'vitest';
import { AwxAnswerTooLargeError } from './awx-errors.js';
import type { JobEventsWindow, JobReader } from './awx-roles.js';
import { jobOutput } from './job-output.js';
import { unshownLinesOf } from './job-output.test-support.js';
import { outputScrub, scrubbedMarker } from './output-scrub.js';
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
 * (AWX's MAX_PAGE_SIZE). An event whose stdout is in `tooLarge` makes a page holding it too
 * large to read, as JobsApi.jobEvents finds it: asked again as one event, then refused.
 */
function awxOf(
  states: readonly State[],
  pageSize = 200,
  tooLarge: ReadonlySet<string> = new Set(),
) {
  let reads = 0;
  const state = () => states[Math.min(Math.max(reads - 1, 0), states.length - 1)] as State;
  const windows: JobEventsWindow[] = [];
  const counted: number[] = [];
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
      const page = (size: number) => ({
        events: chosen.slice(0, Math.min(size, pageSize)),
        more: chosen.length > Math.min(size, pageSize),
        pageSize: size,
      });
      const readable = (size: number) =>
        page(size).events.every((event) => !tooLarge.has(event.stdout));
      const asked = window.pageSize ?? 200;
      if (readable(asked)) return page(asked);
      if (asked > 1 && readable(1)) return page(1);
      throw new AwxAnswerTooLargeError('GET jobs/7/job_events/', 64 << 20);
    },
    async unshownLines(_id, through) {
      counted.push(through);
      return unshownLinesOf(state().events ?? [], through);
    },
  };
  return { awx, windows, counted };
}

/** Events numbered as ansible-runner numbers them: counters from 1, lines from 0. */
const events = (...stdouts: string[]): JobEvent[] => {
  let line = 0;
  return stdouts.map((stdout, index) => {
    const start_line = line;
    line += stdout === '' ? 0 : stdout.split('\n').length;
    return { counter: index + 1, stdout, start_line, end_line: line };
  });
};

async function collect(lines: AsyncIterable<{ source: string; text: string }>) {
  const texts: string[] = [];
  for await (const line of lines) texts.push(line.text);
  return texts;
}

/** A job given no Secret. */
const unscrubbed = outputScrub([], false);

describe('jobOutput', () => {
  it('gives the last lines of a finished job once, naming the job', async () => {
    const { awx } = awxOf([
      { status: 'failed', stdout: 'PLAY [x]\nTASK [a]\nfatal: unreachable\n' },
    ]);
    const lines = [];
    for await (const line of jobOutput(awx, 7, unscrubbed, { tailLines: 2 })) lines.push(line);
    expect(lines).toEqual([
      { source: 'awx job 7', text: 'TASK [a]' },
      { source: 'awx job 7', text: 'fatal: unreachable' },
    ]);
  });

  it('gives a line a playbook printed over 1 MiB long as a note of its length, not whole', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const { awx } = awxOf([{ status: 'failed', stdout: `TASK [a]\n${huge}\nPLAY RECAP\n` }]);
    expect(await collect(jobOutput(awx, 7, unscrubbed))).toEqual([
      'TASK [a]',
      '(a line of 3145728 bytes left out: longer than 1048576 bytes)',
      'PLAY RECAP',
    ]);
  });

  it('gives an event line over 1 MiB as a note of its length when following, too', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const { awx } = awxOf([{ status: 'successful', events: events('TASK [a]', `${huge}\nok`) }]);
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'TASK [a]',
      '(a line of 3145728 bytes left out: longer than 1048576 bytes)',
      'ok',
    ]);
  });

  it('follows the download when an event is larger than the client reads, even alone', async () => {
    // What JobsApi.jobEvents throws once even a page of one event is past its bound.
    const tooLarge = new AwxAnswerTooLargeError('GET jobs/7/job_events/', 64 << 20);
    const oversized = (states: readonly State[]): JobReader => ({
      ...awxOf(states).awx,
      jobEvents: () => Promise.reject(tooLarge),
    });
    const states: State[] = [
      { status: 'running', stdout: 'one\ntwo\n' },
      { status: 'running', stdout: 'one\ntwo\nthree\n' },
      { status: 'successful', stdout: 'one\ntwo\nthree\nfour\n' },
    ];
    expect(await collect(jobOutput(oversized(states), 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    const tail = jobOutput(oversized(states), 7, unscrubbed, { follow: true, tailLines: 1 });
    expect(await collect(tail)).toEqual(['two', 'three', 'four']);
  }, 20_000);

  it('follows a running job by its events, giving each line once, in order, across polls', async () => {
    const all = events('PLAY [x]', '', 'TASK [a]\r\n\x1b[0;32mok: [web-1]\x1b[0m', 'PLAY RECAP');
    const { awx, windows } = awxOf([
      { status: 'running', events: all.slice(0, 2) },
      { status: 'running', events: all.slice(0, 3) },
      { status: 'successful', events: all },
    ]);
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'PLAY [x]',
      'TASK [a]',
      'ok: [web-1]',
      'PLAY RECAP',
    ]);
    expect(windows).toEqual([
      { newestBefore: undefined },
      { after: 2, pageSize: 200 },
      { after: 2, pageSize: 200 },
      { after: 3, pageSize: 200 },
    ]);
  }, 20_000);

  it('waits for an event saved after a later one, then gives both in order', async () => {
    const all = events('one', 'two', 'three', 'four');
    const { awx } = awxOf([
      { status: 'running', events: [] },
      { status: 'running', events: [all[0], all[1], all[3]] as JobEvent[] },
      { status: 'successful', events: all },
    ]);
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
  }, 20_000);

  it('starts a follow before a hole its first read finds, and gives the missing event once saved', async () => {
    const all = events('one', 'two', 'three', 'four', 'five');
    const states = (): State[] => [
      { status: 'running', events: [all[0], all[1], all[3]] as JobEvent[] },
      { status: 'running', events: all },
      { status: 'successful', events: all },
    ];
    const whole = awxOf(states());
    expect(await collect(jobOutput(whole.awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'three',
      'four',
      'five',
    ]);
    // The last lines asked for stop at the hole too.
    const tail = awxOf(states());
    const given = await collect(jobOutput(tail.awx, 7, unscrubbed, { follow: true, tailLines: 2 }));
    expect(given).toEqual(['two', 'three', 'four', 'five']);
    expect(tail.windows.slice(0, 2)).toEqual([
      { newestBefore: undefined },
      { after: 2, pageSize: 200 },
    ]);
  }, 20_000);

  it('counts from the first counter: a follow waits for the first events AWX has not saved', async () => {
    const all = events('one', 'two', 'three');
    const { awx } = awxOf([
      { status: 'running', events: [all[2]] as JobEvent[] },
      { status: 'successful', events: all },
    ]);
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'three',
    ]);
  }, 20_000);

  it('follows with tailLines 0 from the end: only lines saved after the first read', async () => {
    const all = events('one', 'two', 'three', 'four', 'five');
    const { awx } = awxOf([
      { status: 'running', events: all.slice(0, 3) },
      { status: 'successful', events: all },
    ]);
    const given = await collect(jobOutput(awx, 7, unscrubbed, { follow: true, tailLines: 0 }));
    expect(given).toEqual(['four', 'five']);
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
    const given = await collect(jobOutput(awx, 7, unscrubbed, { follow: true }));
    expect(given).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i}`));
  }, 20_000);

  it('starts a follow from the last lines asked for, then gives what comes after', async () => {
    const many = events(...Array.from({ length: 450 }, (_, i) => `line ${i}`));
    const { awx, counted } = awxOf([
      { status: 'running', events: many.slice(0, 430) },
      { status: 'successful', events: many },
    ]);
    const given = await collect(jobOutput(awx, 7, unscrubbed, { follow: true, tailLines: 3 }));
    expect(given).toEqual([
      'line 427',
      'line 428',
      'line 429',
      ...Array.from({ length: 20 }, (_, i) => `line ${430 + i}`),
    ]);
    // Nothing was read from the download by line: the lines below the start are not counted.
    expect(counted).toEqual([]);
  }, 20_000);

  describe('scrubs what the job was given from every line it gives', () => {
    const password = 'hunter2-db-password';
    // A Secret made from a file keeps the file's last line break.
    const fromFile = 'file-secret-value\n';
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\nQ29udGludWVk\n-----END KEY-----\n';
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const scrub = outputScrub([password, fromFile, key], true);
    const printed = [
      `TASK [connect] login with ${password}`,
      'ok: [web-1] => {"stdout": "file-secret-value", "stdout_lines": ["file-secret-value"]}',
      `fatal: [web-1]: FAILED! => {"msg": "bad key ${JSON.stringify(key.trimEnd()).slice(1, -1)}"}`,
      '-----BEGIN KEY-----',
      '  MIIBOgIBAAJBAK',
      'Q29udGludWVk',
      '-----END KEY-----',
      `K8S_AUTH_API_KEY=${token}`,
    ];
    const shown = [
      `TASK [connect] login with ${scrubbedMarker}`,
      `ok: [web-1] => {"stdout": "${scrubbedMarker}", "stdout_lines": ["${scrubbedMarker}"]}`,
      `fatal: [web-1]: FAILED! => {"msg": "bad key ${scrubbedMarker}"}`,
      scrubbedMarker,
      `  ${scrubbedMarker}`,
      scrubbedMarker,
      scrubbedMarker,
      `K8S_AUTH_API_KEY=${scrubbedMarker}`,
    ];

    it('in a single read of the download', async () => {
      const { awx } = awxOf([{ status: 'failed', stdout: `${printed.join('\n')}\n` }]);
      expect(await collect(jobOutput(awx, 7, scrub))).toEqual(shown);
    });

    it('in the events a follow reads', async () => {
      const { awx } = awxOf([
        { status: 'running', events: events(printed[0] as string) },
        { status: 'failed', events: events(printed[0] as string, printed.slice(1).join('\r\n')) },
      ]);
      expect(await collect(jobOutput(awx, 7, scrub, { follow: true }))).toEqual(shown);
    }, 20_000);

    it('and withholds the output, reading none, when what to scrub is not known', async () => {
      const { awx, windows } = awxOf([{ status: 'failed', stdout: `${printed.join('\n')}\n` }]);
      const withheld = { withheld: 'Secret db changed since its job was given it' };
      expect(await collect(jobOutput(awx, 7, withheld, { follow: true }))).toEqual([
        '(output of AWX job 7 withheld: Secret db changed since its job was given it)',
      ]);
      expect(windows).toEqual([]);
    });
  });
});

describe('a follow that meets an event too large to read', () => {
  const big = 'big-a\r\nbig-b';

  it('waits for the event after it, gives its lines from the download, then goes on with the events', async () => {
    const all = events('one', 'two', big, 'four');
    const stdout = 'one\ntwo\nbig-a\nbig-b\nfour\n';
    const { awx, windows } = awxOf(
      [
        { status: 'running', events: all.slice(0, 2), stdout: 'one\ntwo\n' },
        { status: 'running', events: all.slice(0, 3), stdout: 'one\ntwo\nbig-a\nbig-b\n' },
        { status: 'running', events: all, stdout },
        { status: 'successful', events: all, stdout },
      ],
      200,
      new Set([big]),
    );
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'big-a',
      'big-b',
      'four',
    ]);
    // Once known too large, a poll looks only past it, and pages are of one event after.
    expect(windows.slice(1)).toEqual([
      { after: 2, pageSize: 200 },
      { after: 2, pageSize: 200 },
      { after: 3, pageSize: 1 },
      { after: 3, pageSize: 1 },
      { after: 3, pageSize: 200 },
      { after: 4, pageSize: 200 },
    ]);
  }, 20_000);

  it('reads its lines past a blank line ansible-runner numbered, which the download leaves out', async () => {
    // A blank line printed outside a task is an event of its own whose `stdout` is '', yet
    // ansible-runner numbers its line; AWX's copy leaves out events that printed ''.
    const all: JobEvent[] = [
      { counter: 1, stdout: 'one', start_line: 0, end_line: 1 },
      { counter: 2, stdout: '', start_line: 1, end_line: 2 },
      { counter: 3, stdout: 'two', start_line: 2, end_line: 3 },
      { counter: 4, stdout: big, start_line: 3, end_line: 5 },
      { counter: 5, stdout: 'four', start_line: 5, end_line: 6 },
    ];
    const stdout = 'one\ntwo\nbig-a\nbig-b\nfour\n';
    const { awx } = awxOf(
      [
        { status: 'running', events: all.slice(0, 3), stdout: 'one\ntwo\n' },
        { status: 'successful', events: all, stdout },
      ],
      200,
      new Set([big]),
    );
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'big-a',
      'big-b',
      'four',
    ]);
  }, 20_000);

  it('reads its lines past a blank line below where a follow with tailLines 0 started, counted once', async () => {
    const all: JobEvent[] = [
      { counter: 1, stdout: 'one', start_line: 0, end_line: 1 },
      { counter: 2, stdout: '', start_line: 1, end_line: 2 },
      { counter: 3, stdout: 'two', start_line: 2, end_line: 3 },
      { counter: 4, stdout: big, start_line: 3, end_line: 5 },
      { counter: 5, stdout: 'four', start_line: 5, end_line: 6 },
    ];
    const stdout = 'one\ntwo\nbig-a\nbig-b\nfour\n';
    const { awx, counted } = awxOf(
      [
        { status: 'running', events: all.slice(0, 3), stdout: 'one\ntwo\n' },
        { status: 'running', events: all.slice(0, 4), stdout: 'one\ntwo\nbig-a\nbig-b\n' },
        { status: 'successful', events: all, stdout },
      ],
      200,
      new Set([big]),
    );
    const options = { follow: true, tailLines: 0 };
    expect(await collect(jobOutput(awx, 7, unscrubbed, options))).toEqual([
      'big-a',
      'big-b',
      'four',
    ]);
    // Below the start, the newest event then (3): counted when the big one was met, not again.
    expect(counted).toEqual([2]);
  }, 20_000);

  it('follows the download past it when the event after it is too large too', async () => {
    const all = events('one', 'two', big, 'big-c', 'five');
    const stdout = 'one\ntwo\nbig-a\nbig-b\nbig-c\nfive\n';
    const { awx } = awxOf(
      [
        { status: 'running', events: all.slice(0, 2), stdout: 'one\ntwo\n' },
        { status: 'successful', events: all, stdout },
      ],
      200,
      new Set([big, 'big-c']),
    );
    expect(await collect(jobOutput(awx, 7, unscrubbed, { follow: true }))).toEqual([
      'one',
      'two',
      'big-a',
      'big-b',
      'big-c',
      'five',
    ]);
  }, 20_000);
});
