import { AwxAnswerTooLargeError, AwxApiError, AwxResponseError } from './awx-errors.js';
import { cancelRefusal } from './awx-permissions.js';
import type {
  AwxRequestOptions,
  CancelOutcome,
  JobCanceler,
  JobEventsPage,
  JobEventsWindow,
  JobQuery,
  JobReader,
} from './awx-roles.js';
import type { AwxTransport, Call, Query } from './awx-transport.js';
import {
  eventsPageProblem,
  jobEventsPageSize,
  jobEventsQuery,
  nextPageSize,
} from './job-events.js';
import { maxListPages } from './page-bounds.js';
import { type Job, JobEventSchema, JobRowSchema, JobSchema, pageSchema } from './schemas.js';
import { isJobActive } from './status.js';
import { type LineSelection, type OutputLines, readLines, readTail } from './stdout-reader.js';

const eventPage = pageSchema(JobEventSchema);

/** `jobs/`: reading a job, finding one among a template's, its output, canceling it. */
export class JobsApi implements JobReader, Pick<JobCanceler, 'cancelJob'> {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  async getJob(id: number, options: AwxRequestOptions = {}): Promise<Job | null> {
    const call = this.#http.get(`jobs/${id}/`, {}, options);
    return this.#http.json(call, JobSchema, { missingIsNull: true });
  }

  /**
   * AWX refuses to filter on `extra_vars`, so candidates are read page by page, newest first,
   * and tested here.
   */
  async findJob(
    query: JobQuery,
    matches: (job: Job) => boolean,
    options: AwxRequestOptions = {},
  ): Promise<Job | null> {
    const filter = {
      job_template: query.jobTemplate,
      created__gt: query.createdAfter.toISOString(),
      order_by: '-created',
    };
    // Newest first: a job created while we page pushes rows down, so a row may be seen twice
    // but none is skipped.
    for await (const rows of this.#http.pages('jobs/', filter, JobRowSchema, options)) {
      for (const row of rows) {
        const extraVars = row.extra_vars;
        const job =
          extraVars === undefined
            ? await this.getJob(row.id, options)
            : { ...row, extra_vars: extraVars };
        if (job && matches(job)) return job;
      }
    }
    return null;
  }

  /** The last `maxBytes` bytes of the job's output, from a whole character. */
  async jobStdoutTail(
    id: number,
    maxBytes: number,
    options: AwxRequestOptions = {},
  ): Promise<string> {
    return this.#http.stream(this.#stdout(id, options), (body) => readTail(body, maxBytes), '');
  }

  /** The lines of the job's output that `selection` keeps, and how many it has in all. */
  async jobStdoutLines(
    id: number,
    selection: LineSelection,
    options: AwxRequestOptions = {},
  ): Promise<OutputLines> {
    const read = (body: AsyncIterable<Uint8Array>) => readLines(body, selection);
    return this.#http.stream(this.#stdout(id, options), read, { lines: [], total: 0 });
  }

  /**
   * A page of the job's saved events; see `jobEventsQuery`. A page longer than the client reads
   * (an event of tens of MiB, or many of hundreds of KiB) is asked for again as one event, not
   * halved down to one: each answer found too large was read to the client's bound, 64 MiB, so
   * halving could read eight of them before it found the one event that is too large alone.
   * The window is a counter bound, so a shorter page is the start of the same one; the page
   * says the size it was asked with, for the caller to go on with.
   */
  async jobEvents(
    id: number,
    window: JobEventsWindow,
    options: AwxRequestOptions = {},
  ): Promise<JobEventsPage> {
    return this.#eventsRead(id, window, {}, options);
  }

  /**
   * The lines the job's events through counter `through` numbered that the download does not
   * show: its copy selects `stdout != ''` (UnifiedJob.result_stdout_raw_handle), and
   * ansible-runner saves a bare newline as `stdout` '' over one line, so `end_line - start_line`
   * of the events `stdout=` selects (FieldLookupBackend hands '' to TextField.to_python, which
   * keeps it), 0 for one that printed nothing. Read a page after the last counter read, in
   * pages as `jobEvents` reads them, so a late event moves no row onto a page already read.
   */
  async unshownLines(
    id: number,
    through: number,
    options: AwxRequestOptions = {},
  ): Promise<number> {
    const filter = { stdout: '', counter__lte: through };
    let window: JobEventsWindow = { after: 0 };
    let lines = 0;
    for (let pages = 1; ; pages++) {
      const page = await this.#eventsRead(id, window, filter, options);
      for (const [index, event] of page.events.entries()) {
        if (event.stdout !== '' || event.counter > through) {
          const endpoint = `GET jobs/${id}/job_events/`;
          const problem = `is not an event through counter ${through} with stdout '', as the filter asks`;
          throw new AwxResponseError(endpoint, `results.${index}`, problem);
        }
        lines += event.end_line - event.start_line;
      }
      const last = page.events.at(-1);
      if (!page.more || !last) return lines;
      if (pages >= maxListPages) {
        const problem = `names more than ${maxListPages} pages of events with stdout ''`;
        throw new AwxResponseError(`GET jobs/${id}/job_events/`, 'next', problem);
      }
      window = { after: last.counter, pageSize: nextPageSize(page) };
    }
  }

  /** A page of events in `window` that `filter` selects, asked again as one event when too large. */
  async #eventsRead(
    id: number,
    window: JobEventsWindow,
    filter: Query,
    options: AwxRequestOptions,
  ): Promise<JobEventsPage> {
    const asked = window.pageSize ?? jobEventsPageSize;
    try {
      return await this.#eventsPage(id, window, asked, filter, options);
    } catch (error) {
      if (!(error instanceof AwxAnswerTooLargeError) || asked === 1) throw error;
    }
    return this.#eventsPage(id, window, 1, filter, options);
  }

  async #eventsPage(
    id: number,
    window: JobEventsWindow,
    pageSize: number,
    filter: Query,
    options: AwxRequestOptions,
  ): Promise<JobEventsPage> {
    const query = { ...jobEventsQuery(window, pageSize), ...filter };
    const call = this.#http.get(`jobs/${id}/job_events/`, query, options);
    const page = await this.#http.json({ ...call, quotesOutput: true }, eventPage, {
      missingIsNull: true,
    });
    const read = {
      events: page?.results ?? [],
      more: page !== null && page.next !== null,
      pageSize,
    };
    const wrong = eventsPageProblem(window, read.events, read.more);
    if (wrong) throw new AwxResponseError(this.#http.endpoint(call), wrong.field, wrong.problem);
    return read;
  }

  /**
   * AWX answers 405 for a job that already finished, 404 for one that is gone. A user who is not
   * a System Administrator gets 403 for a finished job (JobAccess.can_cancel refuses what cannot
   * be canceled before the view answers 405), as for one it may not cancel: the job tells which,
   * and a refusal is an AwxPermissionError naming the right that is missing.
   */
  async cancelJob(id: number, options: AwxRequestOptions = {}): Promise<CancelOutcome> {
    const call = this.#http.post(`jobs/${id}/cancel/`, undefined, options, { mode: 'repeatable' });
    try {
      const status = await this.#http.status(call, [404, 405]);
      return status === 405 ? 'finished' : status === 404 ? 'absent' : 'requested';
    } catch (error) {
      if (!(error instanceof AwxApiError) || error.statusCode !== 403) throw error;
      const job = await this.getJob(id, options).catch((failure: unknown) => {
        throw cancelRefusal(failure, id, undefined);
      });
      if (job === null) return 'absent';
      if (!isJobActive(job.status)) return 'finished';
      throw cancelRefusal(error, id, job);
    }
  }

  /**
   * The output as AWX's download (`format=txt_download`, an attachment), read as it streams.
   * `txt` answers a notice instead of any output over STDOUT_MAX_BYTES_DISPLAY (1 MiB); the
   * download has no limit and is the same text (ANSI sequences removed). Its errors come as
   * text too (`str()` of the error dict), and are not shown: what the output holds is the
   * playbook's, which may print a secret.
   */
  #stdout(id: number, options: AwxRequestOptions): Call {
    const query = { format: 'txt_download' };
    return {
      ...this.#http.get(`jobs/${id}/stdout/`, query, options, 'text/plain'),
      quotesOutput: true,
    };
  }
}
