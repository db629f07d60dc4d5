import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import { AwxResponseError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import { eventLines, eventsPending, unbrokenEvents, unlessEventTooLarge } from './job-events.js';
import { type OutputScrub, type OutputWithheld, scrubbedText } from './output-scrub.js';
import { maxListPages } from './page-bounds.js';
import { isJobActive } from './status.js';
import { type LineSelection, leftOutLine } from './stdout-reader.js';

/**
 * How much of the output the first read gives at most, and the longest line it holds, so a huge
 * output or line is not held whole.
 */
const firstReadBytes = 1 << 20;
const followIntervalMs = 2_000;

/**
 * A job's plain-text output as lines, each scrubbed of what the job was given, or, when that
 * cannot be done, one line saying why it is withheld.
 */
export async function* jobOutput(
  awx: JobReader,
  jobId: number,
  scrub: OutputScrub | OutputWithheld,
  options: LogOptions = {},
  now: () => number = Date.now,
): AsyncGenerator<LogLine> {
  const source = `awx job ${jobId}`;
  if ('withheld' in scrub) {
    yield { source, text: `(output of AWX job ${jobId} withheld: ${scrub.withheld})` };
    return;
  }
  for await (const text of outputLines(awx, jobId, options, now)) {
    yield { source, text: scrubbedText(text, scrub) };
  }
}

/**
 * The last `tailLines` lines (or all, up to the last 1 MiB), then with `follow` each new line
 * once, in the order Ansible printed it, until the job ends and AWX has saved its events (past
 * AWX's own bound for that lag, whatever there is ends it). A single read is AWX's stdout
 * download; following reads the events after the last one given, as AWX builds that download
 * from them, so a poll costs what is new, not the whole output. Every line is whole, so each
 * value a line shows is there whole, or as one of its lines.
 */
async function* outputLines(
  awx: JobReader,
  jobId: number,
  options: LogOptions,
  now: () => number,
): AsyncGenerator<string> {
  const { signal } = options;
  if (!options.follow) {
    const selection = {
      skip: 0,
      lastLines: options.tailLines,
      maxBytes: firstReadBytes,
      maxLineBytes: firstReadBytes,
    };
    const read = await awx.jobStdoutLines(jobId, selection, { signal });
    yield* read.lines;
    return;
  }
  const start = await unlessEventTooLarge(followStart(awx, jobId, options.tailLines, signal));
  if (!start) {
    yield* followDownload(awx, jobId, options, now);
    return;
  }
  yield* start.lines;
  let last = start.after;
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    if (!job) return;
    // Judged before the read: the events saved by then are all there is once it is settled.
    const settled = !isJobActive(job.status) && !eventsPending(job, now());
    for (let pages = 1; ; pages++) {
      const { events, more } = await awx.jobEvents(jobId, { after: last }, { signal });
      const taken = settled ? events : unbrokenEvents(events, last);
      for (const event of taken) {
        yield* shownLines(event.stdout);
        last = event.counter;
      }
      if (!more || taken.length < events.length) break;
      if (pages < maxListPages) continue;
      // A running job may print that fast; the next poll goes on. An ended one's events end.
      if (!settled) break;
      throw new AwxResponseError(
        `GET jobs/${jobId}/job_events/`,
        'next',
        `names more than ${maxListPages} pages of events after the job ended`,
      );
    }
    if (settled) return;
    await sleep(followIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * A follow from the txt download, for a job whose events cannot be read (one is longer than the
 * client reads even on a page of its own): the last `tailLines` lines within `firstReadBytes`,
 * then on each poll the lines past those given, until the job ends and AWX has saved its events.
 * Each poll reads the whole download, the cost the events spare, so only such a job pays it.
 */
async function* followDownload(
  awx: JobReader,
  jobId: number,
  options: LogOptions,
  now: () => number,
): AsyncGenerator<string> {
  const { signal } = options;
  let selection: LineSelection = {
    skip: 0,
    lastLines: options.tailLines,
    maxBytes: firstReadBytes,
    maxLineBytes: firstReadBytes,
  };
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    if (!job) return;
    // Judged before the read: the download holds every saved event, all there is once settled.
    const settled = !isJobActive(job.status) && !eventsPending(job, now());
    const read = await awx.jobStdoutLines(jobId, selection, { signal });
    yield* read.lines;
    if (settled) return;
    // Past the first read every new line is given, as the events would give it.
    selection = { skip: read.total, maxLineBytes: firstReadBytes };
    await sleep(followIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * An event's lines, one longer than `firstReadBytes` left out as the first read leaves it out:
 * an event's `stdout` is whatever a task printed, and the page it came in holds 64 MiB.
 */
function shownLines(stdout: string): string[] {
  return eventLines(stdout).map((line) => {
    const bytes = Buffer.byteLength(line);
    return bytes > firstReadBytes ? leftOutLine(bytes, firstReadBytes) : line;
  });
}

/**
 * The lines a follow starts with, the last `tailLines` of the saved events (all when
 * undefined) within `firstReadBytes` and `maxListPages` pages of events, and the counter after
 * which it goes on. Read newest first, so the events read can lack one AWX saves after a later
 * one: the lines stop at the first hole in the counters (counting from 1, the first counter,
 * when the read reached the start), and the follow goes on after the last event before it, so
 * the missing one is given when saved, and nothing twice. With `tailLines` 0 the follow starts after the newest event.
 */
async function followStart(
  awx: JobReader,
  jobId: number,
  tailLines: number | undefined,
  signal: AbortSignal | undefined,
): Promise<{ lines: string[]; after: number }> {
  if (tailLines !== undefined && tailLines <= 0) {
    const { events } = await awx.jobEvents(jobId, { newestBefore: undefined }, { signal });
    return { lines: [], after: events[0]?.counter ?? 0 };
  }
  const wanted = tailLines ?? Number.POSITIVE_INFINITY;
  const newestFirst: Array<{ counter: number; lines: string[] }> = [];
  let before: number | undefined;
  let count = 0;
  let bytes = 0;
  let reachedStart = false;
  // Pages, not only lines: events that printed nothing (AWX saves those too) add no line.
  reading: for (let pages = 1; pages <= maxListPages; pages++) {
    const { events, more } = await awx.jobEvents(jobId, { newestBefore: before }, { signal });
    for (const event of events) {
      before = event.counter;
      const lines = shownLines(event.stdout);
      newestFirst.push({ counter: event.counter, lines });
      count += lines.length;
      bytes += lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      if (count >= wanted || bytes >= firstReadBytes) break reading;
    }
    if (!more) {
      reachedStart = true;
      break;
    }
  }
  const read = newestFirst.reverse();
  const from = reachedStart ? 0 : (read[0]?.counter ?? 1) - 1;
  const taken = unbrokenEvents(read, from);
  const lines = taken.flatMap((event) => event.lines);
  return {
    lines: withinBudget(lines.slice(Math.max(0, lines.length - wanted))),
    after: taken.at(-1)?.counter ?? from,
  };
}

/** The last lines that fit in `firstReadBytes`, the last one always. */
function withinBudget(lines: string[]): string[] {
  let bytes = 0;
  let first = lines.length;
  while (first > 0) {
    const size = Buffer.byteLength(lines[first - 1] ?? '') + 1;
    if (bytes + size > firstReadBytes && first < lines.length) break;
    bytes += size;
    first -= 1;
  }
  return lines.slice(first);
}
