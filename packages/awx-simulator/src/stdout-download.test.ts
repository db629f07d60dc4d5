import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AwxSimulator, type JobScheduleInput, startAwxSimulator } from './index.js';
import { downloadPieces } from './stdout.js';

let sim: AwxSimulator;
const download = async (id: number) => {
  const response = await fetch(`${sim.apiUrl}jobs/${id}/stdout/?format=txt_download`, {
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return response.text();
};
const ran = async (schedule: JobScheduleInput) => {
  const template = sim.state.addJobTemplate({ name: `t-${Math.random()}`, schedule });
  const response = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
  });
  const { job } = (await response.json()) as { job: number };
  for (let tries = 0; tries < 500; tries++) {
    const read = await fetch(`${sim.apiUrl}jobs/${job}/`, {
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    if (((await read.json()) as { finished: string | null }).finished) return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${job} did not finish`);
};

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

it('cuts a line into the 8192-character pieces StdoutFilter reads, at any line end splitlines knows', () => {
  const long = `${'x'.repeat(8192)}${'y'.repeat(8192)}z\n`;
  // Each piece by its first character and length.
  const shape = (pieces: string[]) => pieces.map((piece) => `${[...piece][0]}${[...piece].length}`);
  expect(shape(downloadPieces(`a\n${long}b\u2028c`))).toEqual([
    'a2',
    'x8192',
    'y8192',
    'z2',
    'b2',
    'c1',
  ]);
  // Characters, not UTF-16 units: an emoji is one.
  expect(shape(downloadPieces('\u{1F600}'.repeat(8193)))).toEqual(['\u{1F600}8192', '\u{1F600}1']);
});

it('leaves in the txt download a colour sequence that the end of a piece cuts, as AWX does', async () => {
  // redact_ansi runs on each piece alone: neither half of the sequence is one it matches.
  const line = `${'x'.repeat(8190)}\u001b[0;32mok\u001b[0m`;
  const id = await ran({
    pendingMs: 0,
    runningMs: 0,
    stdout: [line, '\u001b[0;31mfailed\u001b[0m'],
  });
  const text = await download(id);
  expect(text.slice(0, 8190)).toBe('x'.repeat(8190));
  expect(text.slice(8190)).toBe('\u001b[0;32mok\nfailed\n');
});
