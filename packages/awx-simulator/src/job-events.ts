/**
 * `jobs/{id}/job_events/` as AWX's JobJobEventsList serves it: the job's saved events, ordered
 * by `start_line` unless the query orders them, filtered by FieldLookupBackend on the JobEvent
 * model (an unknown field is refused), and rendered by JobEventSerializer, which cuts the
 * `stdout` of any event but a `playbook_on_*` one to EVENT_STDOUT_MAX_BYTES_DISPLAY unless the
 * query asks `no_truncate` (NoTruncateMixin).
 */
import type { Model } from './filters.js';
import { type Job, stdoutEvents } from './jobs.js';
import type { Micros } from './timestamps.js';

/** awx/settings/defaults.py EVENT_STDOUT_MAX_BYTES_DISPLAY, counted in characters. */
export const EVENT_STDOUT_MAX_BYTES_DISPLAY = 1024;

export interface JobEvent {
  readonly id: number;
  readonly job: number;
  readonly counter: number;
  readonly event: string;
  readonly stdout: string;
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * How many lines an event's stdout took as ansible-runner printed it: each of its lines ended by
 * a newline, the last one too, so none for an event that printed nothing, and one for a bare
 * newline (see `JobSchedule.bareNewlines`).
 */
function printedLines(stdout: string, bareNewline: boolean): number {
  if (stdout === '') return bareNewline ? 1 : 0;
  return stdout.split('\n').length;
}

/**
 * The events saved so far, one an entry of the transcript as `stdoutEvents` gives it, so they
 * are saved in counter order; ids are unique across jobs as AWX's are. Their lines are numbered
 * as ansible-runner's OutputEventFilter._emit_event numbers them, from 0: `end_line` is
 * `start_line` plus the newlines the event printed, so it equals `start_line` for an event that
 * printed nothing and is one past it for a bare newline, whose `stdout` is '' too.
 */
export function savedJobEvents(job: Job, now: Micros): JobEvent[] {
  const bare = new Set(job.schedule.bareNewlines);
  let line = 0;
  return stdoutEvents(job, now).map((stdout, index) => {
    const startLine = line;
    line += printedLines(stdout, bare.has(index));
    return {
      id: job.id * 100_000 + index + 1,
      job: job.id,
      counter: index + 1,
      event: 'verbose',
      stdout,
      startLine,
      endLine: line,
    };
  });
}

export const jobEventModel: Model<JobEvent> = {
  objectName: 'JobEvent',
  ordering: ['start_line'],
  // BaseJobEventsList.search_fields.
  searchFields: ['stdout'],
  fields: {
    id: { kind: 'int', value: (e) => e.id },
    job: { kind: 'fk', value: (e) => e.job },
    counter: { kind: 'int', value: (e) => e.counter },
    event: { kind: 'char', value: (e) => e.event },
    stdout: { kind: 'char', value: (e) => e.stdout },
    start_line: { kind: 'int', value: (e) => e.startLine },
    end_line: { kind: 'int', value: (e) => e.endLine },
  },
};

// awx/main/constants.py ANSI_SGR_PATTERN.
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWX's pattern matches the escape character.
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/** awx/main/utils/common.py truncate_stdout: an ellipsis, then a reset for each colour left set. */
export function truncateStdout(stdout: string, size: number): string {
  const characters = [...stdout];
  if (size <= 0 || characters.length <= size) return stdout;
  const cut = `${characters.slice(0, size - 1).join('')}\u2026`;
  const sequences = cut.match(ANSI_SGR) ?? [];
  const resets = sequences.filter((sequence) => sequence === '\x1b[0m').length;
  return cut + '\x1b[0m'.repeat(Math.max(0, sequences.length - 2 * resets));
}

export function serializeJobEvent(
  event: JobEvent,
  prefix: string,
  noTruncate: boolean,
): Record<string, unknown> {
  const whole = noTruncate || event.event.startsWith('playbook_on');
  return {
    id: event.id,
    type: 'job_event',
    url: `${prefix}job_events/${event.id}/`,
    related: {
      job: `${prefix}jobs/${event.job}/`,
      children: `${prefix}job_events/${event.id}/children/`,
    },
    job: event.job,
    event: event.event,
    counter: event.counter,
    event_display: 'Verbose',
    event_data: {},
    event_level: 0,
    failed: false,
    changed: false,
    uuid: '',
    parent_uuid: '',
    host: null,
    host_name: '',
    playbook: '',
    play: '',
    task: '',
    role: '',
    stdout: whole ? event.stdout : truncateStdout(event.stdout, EVENT_STDOUT_MAX_BYTES_DISPLAY),
    start_line: event.startLine,
    end_line: event.endLine,
    verbosity: 0,
  };
}
