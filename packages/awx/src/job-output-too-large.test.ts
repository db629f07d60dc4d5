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

/** 70 lines of 1 MB: 70 MB, past the 64 MiB an answer is read to, even as one event. */
const bigLines = Array.from({ length: 70 }, (_, i) => `${i} ${'z'.repeat(1_000_000)}`);

/** A line as a failure shows it: a big one by its start and length. */
const shown = (line: string) => (line.length > 80 ? `${line.slice(0, 8)}… (${line.length})` : line);

it('reads the lines of a too-large event by the events’ numbering when an event printed a bare newline', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    // ansible-runner counts every newline in `start_line`; the download breaks lines only at
    // `\r\n` and shows a newline without `\r` escaped, so the download has fewer lines.
    const before = [
      'PLAY [x]',
      'TASK [a]\nprinted after a bare newline',
      'ok: [web-1]',
      'TASK [b]',
    ];
    const after = ['ok: [web-2]', 'TASK [c]', 'PLAY RECAP'];
    const template = sim.state.addJobTemplate({
      name: 'huge-event-bare-newlines',
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        outcome: 'successful',
        stdout: [...before, `head\nbare\r\n${bigLines.join('\r\n')}`, ...after],
        eventsLagMs: 6_000,
      },
    });
    const { job: id } = await awx.launch(template.id, { extraVars: {} });
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));

    const lines: string[] = [];
    for await (const line of jobOutput(awx, id, outputScrub([], false), { follow: true })) {
      lines.push(line.text);
    }

    // The big event's lines as the download serves them: its bare newline escaped.
    expect(lines.map(shown)).toEqual(
      [
        'PLAY [x]',
        'TASK [a]',
        'printed after a bare newline',
        'ok: [web-1]',
        'TASK [b]',
        'head\\nbare',
        ...bigLines,
        ...after,
      ].map(shown),
    );
  } finally {
    await awx.close();
    await sim.stop();
  }
}, 120_000);

it('starts a follow whose first read meets an event too large to read with one read of the download, then follows the events', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    const before = ['PLAY [x]', 'TASK [a]'];
    const after = ['ok: [web-1]', 'TASK [b]', 'ok: [web-2]', 'TASK [c]', 'PLAY RECAP'];
    const template = sim.state.addJobTemplate({
      name: 'huge-event-first',
      // Until the lag ends AWX has saved the first half: the big event and one after it (the
      // first read may come after it: the reads the big event makes too large are slow).
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        outcome: 'successful',
        stdout: [...before, bigLines.join('\r\n'), ...after],
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

    // The first read gives the last lines within 1 MiB: the big event's last, and the one after.
    const last = bigLines.at(-1) as string;
    expect(lines.map(shown)).toEqual([last, ...after].map(shown));
    // The download was read once, for the first lines; the polls after it read events.
    const paths = sim.requests.slice(from).map((request) => request.path);
    expect(paths.filter((path) => path.includes('/stdout/'))).toHaveLength(1);
    const download = paths.findIndex((path) => path.includes('/stdout/'));
    const onward = paths.findLastIndex((path) => path.includes('job_events/?order_by=counter&'));
    expect(onward).toBeGreaterThan(download);
  } finally {
    await awx.close();
    await sim.stop();
  }
}, 120_000);

it('reads the lines of a too-large event at their place when a follow from `tailLines` started above bare newlines it did not read', async () => {
  const sim = await startAwxSimulator();
  const awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
  try {
    const template = sim.state.addJobTemplate({
      name: 'huge-event-tail-bare-newlines',
      // Until the lag ends AWX has saved the first half: up to `three`, where the follow starts;
      // the bare newline (stdout '', one line by ansible-runner's numbering) lies below it.
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        outcome: 'successful',
        stdout: ['one', '', 'two', 'three', bigLines.join('\r\n'), 'four', 'five', 'six'],
        bareNewlines: [1],
        eventsLagMs: 6_000,
      },
    });
    const { job: id } = await awx.launch(template.id, { extraVars: {} });
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
    const from = sim.requests.length;

    const lines: string[] = [];
    const options = { follow: true, tailLines: 1 };
    for await (const line of jobOutput(awx, id, outputScrub([], false), options)) {
      lines.push(line.text);
    }

    expect(lines.map(shown)).toEqual(['three', ...bigLines, 'four', 'five', 'six'].map(shown));
    // The bare newlines below the start were counted once, for the big event's range.
    const paths = sim.requests.slice(from).map((request) => request.path);
    expect(paths.filter((path) => /job_events\/\?.*stdout=&/.test(path))).toHaveLength(1);
  } finally {
    await awx.close();
    await sim.stop();
  }
}, 120_000);
