import type {
  AwxRequestOptions,
  CancelOutcome,
  JobCanceler,
  JobQuery,
  JobReader,
} from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import { type Job, JobRowSchema, JobSchema } from './schemas.js';

/** `jobs/`: reading a job, finding one among a template's, its output, canceling it. */
export class JobsApi implements JobReader, JobCanceler {
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

  /** Reads `stdout/?format=txt` as a stream, so a long transcript never sits in memory. */
  async jobStdoutTail(
    id: number,
    maxBytes: number,
    options: AwxRequestOptions = {},
  ): Promise<string> {
    const call = this.#http.get(`jobs/${id}/stdout/`, { format: 'txt' }, options, 'text/plain');
    return this.#http.stream(call, (body) => readTail(body, maxBytes), '');
  }

  /** AWX answers 405 for a job that already finished, 404 for one that is gone. */
  async cancelJob(id: number, options: AwxRequestOptions = {}): Promise<CancelOutcome> {
    const call = this.#http.post(`jobs/${id}/cancel/`, undefined, options, { mode: 'repeatable' });
    const status = await this.#http.status(call, [404, 405]);
    return status === 405 ? 'finished' : status === 404 ? 'absent' : 'requested';
  }
}

/** The last `maxBytes` of a byte stream, decoded as UTF-8 from the first whole character. */
async function readTail(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    chunks.push(buffer);
    held += buffer.length;
    while (chunks.length > 1 && held - (chunks[0]?.length ?? 0) >= maxBytes) {
      held -= chunks.shift()?.length ?? 0;
    }
  }
  const all = Buffer.concat(chunks);
  let start = Math.max(0, all.length - maxBytes);
  // Skip UTF-8 continuation bytes a cut left at the start.
  while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
  return all.subarray(start).toString('utf8');
}
