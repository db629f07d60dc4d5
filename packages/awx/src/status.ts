import type { ExecutionResult, FailureReason, Phase } from '@roundhouse/core';
import type { Job, JobStatus } from './schemas.js';

interface StatusMapping {
  readonly phase: Phase;
  readonly reason: string;
  readonly message: string;
  /** Set exactly for the Failed phase, so a controller never has to classify AWX's reasons. */
  readonly failureReason?: FailureReason;
}

/**
 * kubernaut's reasons and messages, so status conditions read the same under either controller.
 *
 * Every failure is TaskFailed. AWX ends a job that ran past its template's `timeout` as
 * `failed`, and only the free text of `job_explanation` ("Job terminated due to timeout") tells
 * it from a playbook failure; that text is no contract and is not parsed, so a timeout cannot
 * be told apart as DeadlineExceeded. `canceled` means someone set the job's cancel flag (a user,
 * or cleanup): AWX itself never cancels a job for running too long.
 */
const mappings: Readonly<Record<JobStatus, StatusMapping>> = {
  new: { phase: 'Pending', reason: 'AWXJobPending', message: 'AWX job is being created' },
  pending: { phase: 'Pending', reason: 'AWXJobPending', message: 'AWX job is queued' },
  waiting: { phase: 'Pending', reason: 'AWXJobPending', message: 'AWX job is queued' },
  running: { phase: 'Running', reason: 'AWXJobRunning', message: 'AWX job is executing' },
  successful: {
    phase: 'Completed',
    reason: 'AWXJobSuccessful',
    message: 'AWX job completed successfully',
  },
  failed: {
    phase: 'Failed',
    reason: 'AWXJobFailed',
    message: 'AWX job execution failed',
    failureReason: 'TaskFailed',
  },
  error: {
    phase: 'Failed',
    reason: 'AWXJobError',
    message: 'AWX job encountered an internal error',
    failureReason: 'TaskFailed',
  },
  canceled: {
    phase: 'Failed',
    reason: 'AWXJobCanceled',
    message: 'AWX job was canceled',
    failureReason: 'TaskFailed',
  },
};

/** Whether AWX may still run the job, i.e. a cancel request means something. */
export function isJobActive(status: JobStatus): boolean {
  return mappings[status].phase === 'Pending' || mappings[status].phase === 'Running';
}

/** Whether the job ended without success, so its output is worth reading. */
export function isJobFailed(status: JobStatus): boolean {
  return mappings[status].phase === 'Failed';
}

/**
 * An AWX job as an ExecutionResult. A failure's message carries AWX's `job_explanation` (why
 * AWX stopped it, e.g. a credential it could not use) and the tail of the job's output.
 */
export function awxJobResult(job: Pick<Job, 'id' | 'status' | 'job_explanation'>, stdoutTail = '') {
  const { phase, reason, message, failureReason } = mappings[job.status];
  const summaryStatus = phase === 'Completed' ? 'True' : phase === 'Failed' ? 'False' : 'Unknown';
  const details =
    phase === 'Failed'
      ? [
          job.job_explanation.trim(),
          stdoutTail.trim() ? `last output of AWX job ${job.id}:\n${stdoutTail.trimEnd()}` : '',
        ].filter(Boolean)
      : [];
  const text = [`${message} (AWX job ${job.id})`, ...details].join('; ');
  const result: ExecutionResult = {
    phase,
    reason,
    message: text,
    summary: { status: summaryStatus, reason, message: text },
    ...(failureReason === undefined ? {} : { failureReason }),
  };
  return result;
}
