import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import { AwxResponseError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import {
  eventLines,
  eventsPending,
  jobEventsPageSize,
  nextPageSize,
  redactedLine,
  unbrokenEvents,
  unlessEventTooLarge,
} from './job-events.js';
import { type OutputScrub, type OutputWithheld, scrubbedText } from './output-scrub.js';
import { maxListPages } from './page-bounds.js';
import type { JobEvent } from './schemas.js';
import { isJobActive } from './status.js';
import { type LineSelection, leftOutLine, type OutputLines } from './stdout-reader.js';

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
    const read = await downloadLines(awx, jobId, firstRead(options.tailLines), signal);
    yield* read.lines;
    return;
  }
  const start = await unlessEventTooLarge(followStart(awx, jobId, options.tailLines, signal));
  if (start) yield* start.lines;
  const first = { ...firstRead(options.tailLines), countsEscapedNewlines: true };
  const resumed = start ?? (yield* followDownload(awx, jobId, first, options, now));
  if (!resumed) return;
  let { place, pageSize } = resumed;
  // The first saved event after `place` is too large to read: a poll looks past it.
  let blocked = false;
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    if (!job) return;
    // Judged before the read: the events saved by then are all there is once it is settled.
    const settled = !isJobActive(job.status) && !eventsPending(job, now());
    for (let pages = 1; ; pages++) {
      const page = blocked
        ? undefined
        : await unlessEventTooLarge(
            awx.jobEvents(jobId, { after: place.counter, pageSize }, { signal }),
          );
      if (!page) {
        blocked = true;
        // Its lines are read from the download by line: once, those not read below are counted.
        place = await counted(awx, jobId, place, signal);
        const past = await pastTooLarge(awx, jobId, place, settled, signal);
        if (past === 'unreadable') {
          const rest = { ...byEventLines(shownLine(place)), maxLineBytes: firstReadBytes };
          const after = yield* followDownload(awx, jobId, rest, options, now);
          if (!after) return;
          ({ place, pageSize } = after);
          blocked = false;
          continue;
        }
        if (!past) break;
        yield* past.lines;
        if (!past.after) return;
        place = past.after;
        blocked = false;
        continue;
      }
      // A page too large to read came as one event; the next ones grow back to full pages.
      pageSize = nextPageSize(page);
      const taken = settled ? page.events : unbrokenEvents(page.events, place.counter);
      for (const event of taken) {
        yield* shownLines(event.stdout);
        place = passed(place, event);
      }
      if (!page.more || taken.length < page.events.length) break;
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
 * Where a follow is: the counter of the last event given, and the line of the output after its
 * lines (the next event's `start_line`).
 */
interface Place {
  readonly counter: number;
  readonly endLine: number;
  /**
   * Lines numbered before `endLine` that the download does not show: an event that printed
   * only a line break (ansible-runner numbers that line, `stdout` is '', and AWX's copy leaves
   * out such events) among the events given, and among those through `uncounted` once counted.
   */
  readonly unshown: number;
  /**
   * The counter through which the events were not read, so `unshown` lacks theirs (0 when it
   * has them all): those below a follow's start from `tailLines`, or below the newest event
   * once a follow read the download. They are counted (`counted`) only when the download is read
   * by line, so a follow that never meets an event too large to read asks nothing more.
   */
  readonly uncounted: number;
}

/** Where a follow is once it gave `event`, the event after `place`. */
function passed(place: Place, event: JobEvent): Place {
  const printed = event.stdout === '' ? 0 : event.stdout.split('\n').length;
  const unshown = place.unshown + event.end_line - event.start_line - printed;
  return { counter: event.counter, endLine: event.end_line, unshown, uncounted: place.uncounted };
}

/** Where the follow is before `event` when the events before it were not read. */
function unreadBefore(event: JobEvent): Place {
  const counter = event.counter - 1;
  return { counter, endLine: event.start_line, unshown: 0, uncounted: counter };
}

/** `place` with the unshown lines of the events through its `uncounted` counted. */
async function counted(
  awx: JobReader,
  jobId: number,
  place: Place,
  signal: AbortSignal | undefined,
): Promise<Place> {
  if (place.uncounted === 0) return place;
  const lines = await awx.unshownLines(jobId, place.uncounted, { signal });
  return { ...place, unshown: place.unshown + lines, uncounted: 0 };
}

/** The download's line, in the events' numbering, that `place` (counted) is at. */
function shownLine(place: Place): number {
  return place.endLine - place.unshown;
}

/** Before the first event: counters start at 1, lines at 0. */
const beforeFirst: Place = { counter: 0, endLine: 0, unshown: 0, uncounted: 0 };

/**
 * A read of the download from line `skip` as the events number lines (`start_line`), which
 * count a newline AWX's copy shows escaped, one without a carriage return before it.
 */
function byEventLines(skip: number): LineSelection {
  return { skip, countsEscapedNewlines: true };
}

/** The first read of a job's output: its last `tailLines` lines within `firstReadBytes`. */
function firstRead(tailLines: number | undefined): LineSelection {
  return { skip: 0, lastLines: tailLines, maxBytes: firstReadBytes, maxLineBytes: firstReadBytes };
}

/**
 * The lines of the event after `place` that is too large to read even alone, from the txt
 * download, and where the follow goes on (none when the job's events end with it). The event
 * after it tells where its lines end: its `start_line`. The download is read numbering its lines
 * as ansible-runner numbers the events' (see `byEventLines`); AWX's stdout view takes a
 * line range only in the formats that refuse an output over STDOUT_MAX_BYTES_DISPLAY (1 MiB),
 * which one of these always is, so the download is read from the start, up to the range's end.
 * Undefined while the next event is not saved yet (or a hole before it), when the job may still
 * save it; 'unreadable' when the next event read is too large too.
 */
async function pastTooLarge(
  awx: JobReader,
  jobId: number,
  place: Place,
  settled: boolean,
  signal: AbortSignal | undefined,
): Promise<{ lines: readonly string[]; after: Place | undefined } | undefined | 'unreadable'> {
  const window = { after: place.counter + 1, pageSize: 1 };
  const page = await unlessEventTooLarge(awx.jobEvents(jobId, window, { signal }));
  if (!page) return 'unreadable';
  const next = page.events[0];
  // Settled, the events saved are all there is: the download has their lines whatever holes.
  if (!settled && next?.counter !== place.counter + 2) return undefined;
  const selection = {
    ...byEventLines(shownLine(place)),
    until: next && next.start_line - place.unshown,
    maxLineBytes: firstReadBytes,
  };
  const { lines } = await downloadLines(awx, jobId, selection, signal);
  // The too-large event is taken to show every line it numbered: its `stdout` is not known.
  const after = next && {
    counter: next.counter - 1,
    endLine: next.start_line,
    unshown: place.unshown,
    uncounted: 0,
  };
  return { lines, after };
}

/**
 * A follow from the txt download while the newest saved event is too large to read, so the
 * events cannot tell where the output stands (the follow's start met it, or two in a row): the
 * lines `first` selects (numbered as the events number them), then, once the newest event can
 * be read, the download's lines up to its end (the bare newlines below it counted, as none of
 * those events was read), and where the follow goes on by the events; undefined when the job
 * ended first. A poll while the newest is still too large reads only it, to the client's
 * bound, not the download, which holds it and all before it: the lines past those given wait
 * until the job prints an event that can be read, or ends.
 */
async function* followDownload(
  awx: JobReader,
  jobId: number,
  first: LineSelection,
  options: LogOptions,
  now: () => number,
): AsyncGenerator<string, { place: Place; pageSize: number } | undefined> {
  const { signal } = options;
  let selection = first;
  let read = false;
  while (!signal?.aborted) {
    const job = await awx.getJob(jobId, { signal });
    if (!job) return undefined;
    // Judged before the read: the download holds every saved event, all there is once settled.
    const settled = !isJobActive(job.status) && !eventsPending(job, now());
    const window = { newestBefore: undefined, pageSize: 1 };
    const newest = await unlessEventTooLarge(awx.jobEvents(jobId, window, { signal }));
    const last = newest?.events[0];
    if (newest && last) {
      const place = await counted(awx, jobId, passed(unreadBefore(last), last), signal);
      const upTo = await downloadLines(
        awx,
        jobId,
        { ...selection, until: shownLine(place) },
        signal,
      );
      yield* upTo.lines;
      return { place, pageSize: nextPageSize(newest) };
    }
    if (!read || settled) {
      const lines = await downloadLines(awx, jobId, selection, signal);
      yield* lines.lines;
      if (settled) return undefined;
      // Past the first read every new line is given, as the events would give it.
      selection = { ...selection, skip: lines.total, lastLines: undefined, maxBytes: undefined };
      read = true;
    }
    await sleep(followIntervalMs, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/**
 * The lines of the txt download that `selection` keeps, each stripped whole as an event's are
 * (see `redactedLine`), so a line is the same read from the download or from its event.
 */
async function downloadLines(
  awx: JobReader,
  jobId: number,
  selection: LineSelection,
  signal: AbortSignal | undefined,
): Promise<OutputLines> {
  const read = await awx.jobStdoutLines(jobId, selection, { signal });
  return { ...read, lines: read.lines.map(redactedLine) };
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
 * Also the page size to go on with (see `nextPageSize`). An event too large to read below the
 * newest one read starts it from the download instead (`downloadStart`); undefined when the
 * newest is too large itself.
 */
async function followStart(
  awx: JobReader,
  jobId: number,
  tailLines: number | undefined,
  signal: AbortSignal | undefined,
): Promise<{ lines: readonly string[]; place: Place; pageSize: number } | undefined> {
  if (tailLines !== undefined && tailLines <= 0) {
    const window = { newestBefore: undefined };
    const page = await awx.jobEvents(jobId, window, { signal });
    const [newest] = page.events;
    const place = newest ? passed(unreadBefore(newest), newest) : beforeFirst;
    return { lines: [], place, pageSize: nextPageSize(page) };
  }
  const wanted = tailLines ?? Number.POSITIVE_INFINITY;
  const newestFirst: Array<{ event: JobEvent; lines: string[] }> = [];
  let before: number | undefined;
  let pageSize: number | undefined;
  let count = 0;
  let bytes = 0;
  let reachedStart = false;
  // Pages, not only lines: events that printed nothing (AWX saves those too) add no line.
  reading: for (let pages = 1; pages <= maxListPages; pages++) {
    const window = { newestBefore: before, pageSize };
    const page = await unlessEventTooLarge(awx.jobEvents(jobId, window, { signal }));
    if (!page) {
      // Undefined when the newest event is too large itself: the caller follows the download.
      const read = newestFirst.map(({ event }) => event);
      return downloadStart(awx, jobId, read, tailLines, pageSize ?? jobEventsPageSize, signal);
    }
    pageSize = nextPageSize(page);
    for (const event of page.events) {
      before = event.counter;
      const lines = shownLines(event.stdout);
      newestFirst.push({ event, lines });
      count += lines.length;
      bytes += lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      if (count >= wanted || bytes >= firstReadBytes) break reading;
    }
    if (!page.more) {
      reachedStart = true;
      break;
    }
  }
  const read = newestFirst.reverse().map(({ event, lines }) => ({ ...event, lines }));
  // Each event's lines start where the one before it ends (ansible-runner numbers them so).
  const oldest = read[0];
  const from = reachedStart || !oldest ? beforeFirst : unreadBefore(oldest);
  const taken = unbrokenEvents(read, from.counter);
  const lines = taken.flatMap((event) => event.lines);
  return {
    lines: withinBudget(lines.slice(Math.max(0, lines.length - wanted))),
    place: taken.reduce(passed, from),
    pageSize: pageSize ?? jobEventsPageSize,
  };
}

/**
 * The start of a follow whose first read met an event too large to read below the events it
 * read (`newestFirst`, at least one): the last `tailLines` lines up to the newest from the
 * download, read once, and the follow goes on with the events after it, so later polls read
 * only what is new (following the download instead would read it whole on every poll). An
 * event below the newest AWX saves only after the download is read is not given.
 */
async function downloadStart(
  awx: JobReader,
  jobId: number,
  newestFirst: readonly JobEvent[],
  tailLines: number | undefined,
  pageSize: number,
  signal: AbortSignal | undefined,
): Promise<{ lines: readonly string[]; place: Place; pageSize: number } | undefined> {
  const oldest = newestFirst.at(-1);
  if (!oldest) return undefined;
  const read = [...newestFirst].reverse().reduce(passed, unreadBefore(oldest));
  const place = await counted(awx, jobId, read, signal);
  const selection = {
    ...byEventLines(0),
    until: shownLine(place),
    lastLines: tailLines,
    maxBytes: firstReadBytes,
    maxLineBytes: firstReadBytes,
  };
  const { lines } = await downloadLines(awx, jobId, selection, signal);
  return { lines, place, pageSize };
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
