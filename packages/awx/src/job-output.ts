import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import type { JobReader } from './awx-roles.js';
import { isJobActive } from './status.js';

/** How much of a job's output one read covers; following needs the whole output in view. */
const outputWindowBytes = 1 << 20;
const followIntervalMs = 2_000;

/**
 * A job's plain-text output as lines, through AWX's stdout endpoint: the last `tailLines`
 * (or all), then with `follow` each new line as the job writes it, until the job ends. The
 * output is re-read whole (up to 1 MiB) and the lines already given are skipped, so following
 * an output larger than that window can skip lines: AWX's text endpoint has no line offset.
 */
export async function* jobOutput(
  awx: JobReader,
  jobId: number,
  options: LogOptions = {},
): AsyncGenerator<LogLine> {
  const { signal } = options;
  const source = `awx job ${jobId}`;
  let given: number | undefined;
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    const lines = (await awx.jobStdoutTail(jobId, outputWindowBytes, { signal })).split('\n');
    if (lines.at(-1) === '') lines.pop();
    const from =
      given ??
      (options.tailLines === undefined ? 0 : Math.max(0, lines.length - options.tailLines));
    for (const text of lines.slice(from)) yield { source, text };
    given = Math.max(from, lines.length);
    if (!options.follow || !job || !isJobActive(job.status)) return;
    await sleep(followIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}
