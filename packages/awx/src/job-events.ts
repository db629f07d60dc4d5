import { AwxAnswerTooLargeError } from './awx-errors.js';
import type { JobEventsWindow } from './awx-roles.js';
import type { Query } from './awx-transport.js';
import type { PageProblem } from './page-bounds.js';
import { copyEscaped } from './printed-forms.js';
import type { Job, JobEvent } from './schemas.js';
import { isJobActive } from './status.js';

/**
 * AWX's own bound on the lag of its event processing: a minute after a job finished, events
 * not saved yet are taken as lost (UnifiedJobDeletionMixin.destroy in awx/api/views/mixin.py).
 */
export const eventsLagBoundMs = 60_000;

type EventsView = Pick<Job, 'status' | 'finished' | 'event_processing_finished'>;

/**
 * What `read` of a job's events gives, or undefined when an event is longer than the client
 * reads even on a page of its own (AwxAnswerTooLargeError): the caller reads the txt download
 * instead, which streams, so no event is too long for it.
 */
export async function unlessEventTooLarge<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof AwxAnswerTooLargeError) return undefined;
    throw error;
  }
}

/**
 * Whether AWX may still be saving the events of a job that ended, so its stdout, built only
 * from saved events, may lack its last lines. A view without `event_processing_finished` (a
 * row of `jobs/`, or an AWX that does not say) or without a readable `finished` is taken as
 * settled: nothing would bound the wait. The bound is measured on this host's clock against
 * AWX's `finished`, so clock skew between the two lengthens or shortens it.
 */
export function eventsPending(job: EventsView, nowMs: number): boolean {
  if (isJobActive(job.status) || job.event_processing_finished !== false) return false;
  const finished = Date.parse(job.finished ?? '');
  if (Number.isNaN(finished)) return false;
  return nowMs - finished < eventsLagBoundMs;
}

// The txt download's redact_ansi (awx/api/views/__init__.py): the sequences that embed event
// data, then colour sequences.
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWX's patterns match the escape character.
const eventData = /\x1b\[K(?:[A-Za-z0-9+/=]+\x1b\[\d+D)+\x1b\[K/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWX's pattern matches the escape character.
const colour = /\x1b[^m]*m/g;

/**
 * The lines an event printed, as the txt download shows them: AWX ends each event's `stdout`
 * with a newline, turns its `\r\n` into one and strips each line on its own (an unended
 * sequence does not eat the next line); an event that printed nothing is no line.
 */
export function eventLines(stdout: string): string[] {
  if (stdout === '') return [];
  return stdout.split(/\r?\n/).map(redactedLine);
}

/**
 * A line with the sequences redact_ansi strips removed. The txt download strips them in the
 * pieces StdoutFilter reads, `readline(8192)` each (FileWrapper's block size), so a sequence
 * that the end of a piece cuts, in a line over 8192 characters, is left there in two parts;
 * stripped again whole, a downloaded line is the one the events give.
 */
export function redactedLine(line: string): string {
  return line.replace(eventData, '').replace(colour, '');
}

/**
 * What an event adds to the txt download: its `stdout` as PostgreSQL's COPY writes it, ended by
 * a newline, each line stripped by redact_ansi on its own (StdoutFilter reads it a line at a
 * time); nothing for an event that printed nothing (the copy selects `stdout != ''`).
 */
export function downloadedText(stdout: string): string {
  if (stdout === '') return '';
  return `${copyEscaped(stdout)}\n`.split('\n').map(redactedLine).join('\n');
}

/**
 * The events after `after` without a hole in their counters: AWX's callback receiver saves
 * events in batches from several workers, so a later counter may be saved before an earlier
 * one, which a read after the later counter would never see. Every event of a job has a
 * counter, one more than the one before, from 1: ansible-runner's OutputEventFilter numbers
 * each event it emits, a verbose line and an event that printed nothing too, and AWX saves
 * each (only keepalives, numbered 0, it drops).
 */
export function unbrokenEvents<T extends { readonly counter: number }>(
  events: readonly T[],
  after: number,
): T[] {
  const taken: T[] = [];
  let last = after;
  for (const event of events) {
    if (event.counter !== last + 1) break;
    taken.push(event);
    last = event.counter;
  }
  return taken;
}

/**
 * The events one read asks for: AWX's default MAX_PAGE_SIZE. An AWX set lower gives fewer, so
 * the last page is the one without `next`, not a short one.
 */
export const jobEventsPageSize = 200;

/**
 * The page size to ask next after `page`: twice its own, up to `jobEventsPageSize`. A page too
 * large to read comes back as one event (see `JobReader.jobEvents`); kept at one, every later
 * event would cost a request of its own, so a follow would fall behind a busy job. Doubling
 * gets back to full pages in a few reads, and a page of many large events is met again only
 * once the smaller pages before it were read whole.
 */
export function nextPageSize(page: { readonly pageSize: number }): number {
  return Math.min(page.pageSize * 2, jobEventsPageSize);
}

/**
 * The query of `jobs/{id}/job_events/` for `window`. The view orders by `start_line`, which a
 * late event shifts, so the order is the counter's and the window a counter bound; the counter
 * is the events' own order, not a place in the output. `no_truncate` because without it AWX
 * cuts the `stdout` of all but `playbook_on_*` events to EVENT_STDOUT_MAX_BYTES_DISPLAY (1024).
 */
export function jobEventsQuery(
  window: JobEventsWindow,
  pageSize: number = jobEventsPageSize,
): Query {
  const common = { page_size: pageSize, no_truncate: 1 };
  if ('after' in window) return { order_by: 'counter', counter__gt: window.after, ...common };
  return { order_by: '-counter', counter__lt: window.newestBefore, ...common };
}

/**
 * What is wrong with a page of events read for `window`, if AWX could not have sent it: an
 * event outside the window, out of the counter's order, or no event on a page with more after
 * it. Each read of a follow goes on from the last counter read, so such a page would have it
 * read the same events again, or nothing, without end.
 */
export function eventsPageProblem(
  window: JobEventsWindow,
  events: readonly JobEvent[],
  more: boolean,
): PageProblem | undefined {
  const ascending = 'after' in window;
  let bound = ascending ? window.after : window.newestBefore;
  for (const [index, event] of events.entries()) {
    const inOrder =
      bound === undefined || (ascending ? event.counter > bound : event.counter < bound);
    if (!inOrder) {
      const side = ascending ? 'after' : 'before';
      return {
        field: `results.${index}.counter`,
        problem: `${event.counter} is not ${side} ${bound}, as the counter filter and order ask`,
      };
    }
    bound = event.counter;
  }
  if (more && events.length === 0)
    return { field: 'next', problem: 'names a page after an empty one' };
  return undefined;
}
