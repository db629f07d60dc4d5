import type { ExecutionResult, Logger } from '@roundhouse/core';
import { AwxError } from './awx-errors.js';
import type { JobReader } from './awx-roles.js';
import { failureTexts, isExplained } from './failure-texts.js';
import { eventsPending } from './job-events.js';
import type { OutputScrub, OutputWithheld } from './output-scrub.js';
import { outputTail } from './output-tail.js';
import type { Job } from './schemas.js';
import { awxJobResult, awxOutputPendingResult, isJobFailed } from './status.js';

export interface JobReportSettings {
  /** How much of a failed job's output its message carries; 0 for none. */
  readonly stdoutTailBytes: number;
  readonly now: () => number;
}

/**
 * A job as an ExecutionResult, a failure with AWX's explanation and the tail of its output,
 * scrubbed of what the execution's credentials injected (or withheld when that is not known).
 * AWX builds the output only from the events it has saved, which can lag the job's end, so a
 * failure whose events are still being saved is reported as running (the controller asks
 * again) for up to AWX's own bound, then with whatever output there is. A success carries no
 * output and is never held.
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

  /** `scrub` is asked only when there is something to show. */
  async result(
    job: Job,
    scrub: () => Promise<OutputScrub | OutputWithheld>,
    signal: AbortSignal | undefined,
  ): Promise<ExecutionResult> {
    if (!isJobFailed(job.status)) return awxJobResult(job);
    const { stdoutTailBytes } = this.#settings;
    // A row of `jobs/` has neither the traceback nor whether the events are saved; the view has.
    const viewed =
      job.event_processing_finished === undefined
        ? ((await this.#awx.getJob(job.id, { signal })) ?? job)
        : job;
    if (stdoutTailBytes > 0 && eventsPending(viewed, this.#settings.now())) {
      return awxOutputPendingResult(viewed);
    }
    if (!isExplained(viewed) && stdoutTailBytes === 0) return awxJobResult(viewed);
    const scrubbing = await scrub();
    const read =
      'withheld' in scrubbing || stdoutTailBytes === 0
        ? undefined
        : await this.#stdoutRead(viewed, scrubbing, signal);
    return awxJobResult(viewed, failureTexts(viewed, scrubbing, { bytes: stdoutTailBytes, read }));
  }

  /**
   * The end of the output, read `marginBytes` longer than the tail it shows. The tail adds
   * detail to a failure; without it the failure is still reported.
   */
  async #stdoutRead(
    job: Job,
    scrub: OutputScrub,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const { stdoutTailBytes } = this.#settings;
    try {
      return await outputTail(this.#awx, job, stdoutTailBytes + scrub.marginBytes, { signal });
    } catch (error) {
      if (!(error instanceof AwxError)) throw error;
      this.#log.warn({ job: job.id, reason: error.reason }, 'could not read AWX job output');
      return undefined;
    }
  }
}
