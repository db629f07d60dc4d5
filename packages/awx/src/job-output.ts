import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import type { JobReader } from './awx-roles.js';
import { eventsPending } from './job-events.js';
import { isJobActive } from './status.js';

/** How much of the output the first read gives at most, so a huge one is not held whole. */
const firstReadBytes = 1 << 20;
const followIntervalMs = 2_000;

/**
 * A job's plain-text output as lines, through AWX's stdout download: the last `tailLines` (or
 * all, up to the last 1 MiB), then with `follow` each new line as the job writes it, until the
 * job ends and AWX has saved its events (AWX builds the output only from saved events, which
 * can lag the end; past AWX's own bound for that lag, whatever there is ends it). AWX's text endpoint has no line offset, so every read streams the whole output and
 * skips, by count, the lines already given.
 */
export async function* jobOutput(
  awx: JobReader,
  jobId: number,
  options: LogOptions = {},
  now: () => number = Date.now,
): AsyncGenerator<LogLine> {
  const { signal } = options;
  const source = `awx job ${jobId}`;
  let given: number | undefined;
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    const selection =
      given === undefined
        ? { skip: 0, lastLines: options.tailLines, maxBytes: firstReadBytes }
        : { skip: given };
    const read = await awx.jobStdoutLines(jobId, selection, { signal });
    for (const text of read.lines) yield { source, text };
    given = Math.max(given ?? 0, read.total);
    if (!options.follow || !job) return;
    if (!isJobActive(job.status) && !eventsPending(job, now())) return;
    await sleep(followIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}
