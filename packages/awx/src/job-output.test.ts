import { describe, expect, it } from 'vitest';
import type { JobReader } from './awx-roles.js';
import { jobOutput } from './job-output.js';
import type { Job } from './schemas.js';
import { readLines } from './stdout-reader.js';

async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** AWX as seen by one job: each read returns the next state, the last one repeated. */
function awxOf(states: readonly { status: Job['status']; stdout: string }[]): JobReader {
  let reads = 0;
  const state = () => states[Math.min(reads, states.length - 1)] as (typeof states)[number];
  return {
    async getJob() {
      return { id: 7, status: state().status } as Job;
    },
    async findJob() {
      return null;
    },
    async jobStdoutTail() {
      return state().stdout;
    },
    async jobStdoutLines(_id, selection) {
      const { stdout } = state();
      reads += 1;
      return readLines(chunks(stdout), selection);
    },
  };
}

async function collect(lines: AsyncIterable<{ source: string; text: string }>) {
  const texts: string[] = [];
  for await (const line of lines) texts.push(line.text);
  return texts;
}

describe('jobOutput', () => {
  it('gives the last lines of a finished job once, naming the job', async () => {
    const awx = awxOf([{ status: 'failed', stdout: 'PLAY [x]\nTASK [a]\nfatal: unreachable\n' }]);
    const lines = [];
    for await (const line of jobOutput(awx, 7, { tailLines: 2 })) lines.push(line);
    expect(lines).toEqual([
      { source: 'awx job 7', text: 'TASK [a]' },
      { source: 'awx job 7', text: 'fatal: unreachable' },
    ]);
  });

  it('follows a running job, giving each new line once, until it ends', async () => {
    const awx = awxOf([
      { status: 'running', stdout: 'one\n' },
      { status: 'running', stdout: 'one\ntwo\n' },
      { status: 'successful', stdout: 'one\ntwo\nthree\n' },
    ]);
    expect(await collect(jobOutput(awx, 7, { follow: true }))).toEqual(['one', 'two', 'three']);
  }, 20_000);

  it('gives whole lines of an output over 1 MiB, and follows it without skipping a line', async () => {
    const long = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'.'.repeat(40)}`);
    const text = (lines: string[]) => `${lines.join('\n')}\n`;
    const awx = awxOf([
      { status: 'running', stdout: text(long) },
      { status: 'successful', stdout: text([...long, 'next', 'last']) },
    ]);
    const given = await collect(jobOutput(awx, 7, { follow: true }));
    expect(given.length).toBeLessThan(long.length);
    expect(given.slice(0, -2)).toEqual(long.slice(long.length - given.length + 2));
    expect(given.slice(-3)).toEqual([long.at(-1), 'next', 'last']);
  }, 20_000);
});
