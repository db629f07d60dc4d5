import { startAwxSimulator } from '@roundhouse/awx-simulator';
import { expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { jobOutput } from './job-output.js';
import { outputScrub } from './output-scrub.js';

it('follows past an event too large to read, its lines from the download, each line once and in order', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    // 70 lines of 1 MB, one event: 70 MB, past the 64 MiB an answer is read to, even alone.
    const big = Array.from({ length: 70 }, (_, i) => `${i} ${'z'.repeat(1_000_000)}`);
    const before = ['PLAY [x]', 'TASK [a]', 'ok: [web-1]', 'TASK [b]'];
    const after = ['ok: [web-2]', 'TASK [c]', 'PLAY RECAP'];
    const template = sim.state.addJobTemplate({
      name: 'huge-event',
      // Until the lag ends AWX has saved the first half of the events, those before the big one:
      // the follow gives their lines first, then meets the big one.
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        outcome: 'successful',
        stdout: [...before, big.join('\r\n'), ...after],
        eventsLagMs: 6_000,
      },
    });
    const { job: id } = await awx.launch(template.id, { extraVars: {} });
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
    const from = sim.requests.length;

    const lines: string[] = [];
    for await (const line of jobOutput(awx, id, outputScrub([], false), { follow: true })) {
      lines.push(line.text);
    }

    expect(lines).toEqual([...before, ...big, ...after]);
    const paths = sim.requests.slice(from).map((request) => request.path);
    // The follow looked past the big event (counter 5) for where its lines end.
    expect(paths.some((path) => /job_events\/\?.*counter__gt=5&page_size=1\b/.test(path))).toBe(
      true,
    );
    // The download was read once, for the big event's lines, not followed.
    expect(paths.filter((path) => path.includes('/stdout/'))).toHaveLength(1);
  } finally {
    await awx.close();
    await sim.stop();
  }
}, 120_000);
