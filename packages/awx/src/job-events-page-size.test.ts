import { startAwxSimulator } from '@roundhouse/awx-simulator';
import { expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';

const KiB = 1024;

it('reads a page of events larger than the client reads again with half as many rows, until it fits', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    // 96 events of 700 KiB: 67 MiB a page of all of them, past the 64 MiB an answer is read to.
    const stdout = Array.from({ length: 96 }, (_, i) => `${i} ${'x'.repeat(700 * KiB)}`);
    const template = sim.state.addJobTemplate({
      name: 'huge-events',
      schedule: { pendingMs: 0, runningMs: 0, outcome: 'failed', stdout, eventsLagMs: 0 },
    });
    const { job: id } = await awx.launch(template.id, { extraVars: {} });
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
    const from = sim.requests.length;

    const { events, more } = await awx.jobEvents(id, { after: 0 });

    const sizes = sim.requests
      .slice(from)
      .map((request) => new URL(request.path, sim.url).searchParams.get('page_size'));
    expect(sizes).toEqual(['200', '100', '50']);
    expect(events.map((event) => event.counter)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(events.map((event) => event.stdout)).toEqual(stdout.slice(0, 50));
    expect(more).toBe(true);
  } finally {
    await awx.close();
    await sim.stop();
  }
}, 120_000);
