import type { ExecutionResult, Logger } from '@roundhouse/core';
import { AwxError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import { eventsPending } from './job-events.js';
import { type OutputScrub, type OutputWithheld, scrubbedTail } from './output-scrub.js';
import type { Job } from './schemas.js';
import { awxJobResult, awxOutputPendingResult, isJobFailed } from './status.js';

export interface JobReportSettings {
  /** How much of a failed job's output its message carries; 0 for none. */
  readonly stdoutTailBytes: number;
  readonly now: () => number;
}

/**
 * A job as an ExecutionResult, a failure with the tail of its output, scrubbed of what the
 * execution's credentials injected (or withheld when that is not known). AWX builds the output
 * only from the events it has saved, which can lag the job's end, so a failure whose events
 * are still being saved is reported as running (the controller asks again) for up to AWX's own
 * bound, then with whatever output there is. A success carries no output and is never held.
 */
export class JobReport {
  readonly #awx: JobReader;
  readonly #settings: JobReportSettings;
  readonly #log: Logger;

  constructor(awx: JobReader, settings: JobReportSettings, log: Logger) {
    this.#awx = awx;
    this.#settings = settings;
    this.#log = log;
  }

  /** `scrub` is asked only when the output is to be shown. */
  async result(
    job: Job,
    scrub: () => Promise<OutputScrub | OutputWithheld>,
    signal: AbortSignal | undefined,
  ): Promise<ExecutionResult> {
    if (!isJobFailed(job.status) || this.#settings.stdoutTailBytes === 0) return awxJobResult(job);
    // A row of `jobs/` does not say whether the events are saved; the job's own view does.
    const viewed =
      job.event_processing_finished === undefined
        ? ((await this.#awx.getJob(job.id, { signal })) ?? job)
        : job;
    if (eventsPending(viewed, this.#settings.now())) return awxOutputPendingResult(viewed);
    return awxJobResult(viewed, await this.#stdoutTail(viewed, await scrub(), signal));
  }

  /** The output tail adds detail to a failure; without it the failure is still reported. */
  async #stdoutTail(
    job: Job,
    scrub: OutputScrub | OutputWithheld,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    if ('withheld' in scrub) return `(withheld: ${scrub.withheld})`;
    const { stdoutTailBytes } = this.#settings;
    try {
      const read = await this.#awx.jobStdoutTail(job.id, stdoutTailBytes + scrub.marginBytes, {
        signal,
      });
      return scrubbedTail(read, scrub, stdoutTailBytes);
    } catch (error) {
      if (!(error instanceof AwxError)) throw error;
      this.#log.warn({ job: job.id, reason: error.reason }, 'could not read AWX job output');
      return '';
    }
  }
}
