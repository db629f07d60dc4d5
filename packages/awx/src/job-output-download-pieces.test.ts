import { startAwxSimulator } from '@roundhouse/awx-simulator';
import { expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { jobOutput } from './job-output.js';
import { outputScrub } from './output-scrub.js';

/** A line as a failure shows it: a long one by its length and its end, escapes visible. */
const shown = (line: string) =>
  JSON.stringify(line.length > 40 ? `(${line.length}) …${line.slice(-20)}` : line);

it('gives a coloured line over 8192 characters the same from the download as from its event', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    // AWX's download strips colour in pieces of 8192 characters: this reset is cut in two there.
    const long = `${'x'.repeat(8190)}\u001b[0;32mok: [web-1]\u001b[0m`;
    const template = sim.state.addJobTemplate({
      name: 'long-coloured-line',
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        outcome: 'successful',
        stdout: ['TASK [a]', long, 'PLAY RECAP'],
      },
    });
    const { job: id } = await awx.launch(template.id, { extraVars: {} });
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
    const read = async (options: { follow?: boolean; tailLines?: number }) => {
      const lines: string[] = [];
      for await (const line of jobOutput(awx, id, outputScrub([], false), options)) {
        lines.push(shown(line.text));
      }
      return lines;
    };
    const expected = ['TASK [a]', `${'x'.repeat(8190)}ok: [web-1]`, 'PLAY RECAP'].map(shown);
    // A single read is the download; a follow reads the events.
    expect(await read({})).toEqual(expected);
    expect(await read({ follow: true })).toEqual(expected);
  } finally {
    await awx.close();
    await sim.stop();
  }
});
