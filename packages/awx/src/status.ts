import {
  completionTimeOf,
  type ExecutionResult,
  type FailureReason,
  type Phase,
} from '@roundhouse/core';
import { type FailureTexts, isMadeByFailureTexts } from './failure-texts.js';
import { queueExplanation } from './queue-explanation.js';
import type { Job, JobStatus, KnownJobStatus } from './schemas.js';

interface StatusMapping {
  readonly phase: Phase;
  readonly reason: string;
  readonly message: string;
  /** Set exactly for the Failed phase, so a controller never has to classify AWX's reasons. */
  readonly failureReason?: FailureReason | undefined;
}

/**
 * kubernaut's reasons and messages, so status conditions read the same under either controller.
 *
 * A failure is TaskFailed, except a job AWX stopped at its `timeout`, which is DeadlineExceeded
 * (see `timedOut`).
 * `canceled` means someone set the job's cancel flag (a user, or cleanup): AWX itself never
 * cancels a job for running too long.
 */
const mappings: Readonly<Record<KnownJobStatus, StatusMapping>> = {
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

/** How much of a status AWX should never send goes into a message. */
const maxRawStatus = 64;

/**
 * A status this package does not know (a newer AWX, a derivative) is not finished as far as
 * anyone can tell: reported as kubernaut does, Pending with the raw status, so the execution is
 * polled on instead of failing with an exception.
 */
function mappingOf(status: JobStatus): StatusMapping {
  if (Object.hasOwn(mappings, status)) return mappings[status as KnownJobStatus];
  return {
    phase: 'Pending',
    reason: 'AWXJobUnknown',
    message: `Unknown AWX job status: ${status.slice(0, maxRawStatus)}`,
  };
}

/** Whether AWX may still run the job, i.e. a cancel request means something. */
export function isJobActive(status: JobStatus): boolean {
  const { phase } = mappingOf(status);
  return phase === 'Pending' || phase === 'Running';
}

/** Whether the job ended without success, so its output is worth reading. */
export function isJobFailed(status: JobStatus): boolean {
  return mappingOf(status).phase === 'Failed';
}

type ReportedJob = Pick<Job, 'id' | 'status' | 'job_explanation'> &
  Partial<Pick<Job, 'started' | 'finished'>>;

/**
 * What the job's times say: whether it started (AWX's `started`, when the view has the field),
 * and, for a finished job, when it ended (AWX's `finished`, when it is an RFC 3339 time).
 */
function jobTimes(
  job: Partial<Pick<Job, 'started' | 'finished'>>,
  phase: Phase,
): Pick<ExecutionResult, 'started' | 'completionTime'> {
  const completionTime =
    phase === 'Completed' || phase === 'Failed' ? completionTimeOf(job.finished) : undefined;
  const finished = completionTime ? { completionTime } : {};
  return { ...finished, ...(job.started === undefined ? {} : { started: !!job.started }) };
}

/**
 * What AWX's BaseTask.run writes into the `job_explanation` of a job its runner stopped at
 * `job_timeout` (or DEFAULT_JOB_IDLE_TIMEOUT), saving it `failed` (awx/main/tasks/jobs.py:616-618,
 * `f"Job terminated due to {status}"` for the runner's `timeout` status). It is saved with the
 * status (jobs.py:655), over whatever the job held, and only a later explanation of the same
 * run is appended after it, with a newline (RunnerCallback.delay_update, callback.py:48-59),
 * hence a prefix. The text is stored as written, not translated, and has been the same since
 * 2016, so it is a constant of AWX's to compare with, not a message to parse.
 */
const runnerTimeoutExplanation = 'Job terminated due to timeout';

/**
 * Whether AWX's runner stopped a failed job at its timeout, as AWX says in `job_explanation`,
 * and only so. The job's numbers cannot tell: `elapsed` runs from `started`, which AWX stamps
 * before the project sync, while the runner's timeout starts with the playbook, so a playbook
 * failing close to its timeout would read as stopped at it; and `timeout` is 0 when AWX's global
 * DEFAULT_JOB_TIMEOUT applies (jobs.py:343-352). A job has no `timed_out` field: that is a
 * workflow approval's (workflow.py:853).
 */
function timedOut(job: ReportedJob): boolean {
  return job.status === 'failed' && job.job_explanation.trim().startsWith(runnerTimeoutExplanation);
}

/**
 * An AWX job as an ExecutionResult. A failure's message carries `texts`: why AWX stopped it
 * (e.g. a credential it could not use, or the exception of an `error` job) and the tail of the
 * job's output, scrubbed (`failureTexts` makes them). A pending job's message says what AWX
 * waits for, when AWX said so (`queueExplanation`). The result says whether the job started
 * (`started`) and, once it ended, when (`finished`, as `completionTime`).
 */
export function awxJobResult(job: ReportedJob, texts?: FailureTexts): ExecutionResult {
  const shown = detailsOf(texts);
  const { phase, reason, message, failureReason } = mappingOf(job.status);
  const summaryStatus = phase === 'Completed' ? 'True' : phase === 'Failed' ? 'False' : 'Unknown';
  const queued = phase === 'Pending' ? queueExplanation(job.job_explanation) : undefined;
  const details = phase === 'Failed' ? shown : queued === undefined ? [] : [queued];
  const text = [`${message} (AWX job ${job.id})`, ...details].join('; ');
  const classified = timedOut(job) ? 'DeadlineExceeded' : failureReason;
  return {
    phase,
    reason,
    message: text,
    summary: { status: summaryStatus, reason, message: text },
    ...(classified === undefined ? {} : { failureReason: classified }),
    ...jobTimes(job, phase),
  };
}

/**
 * The details of texts `failureTexts` made. Anything else is refused, whatever the job's
 * status: an object not made there, a copy of one too, may hold AWX's texts unscrubbed, and a
 * string is what the output tail was before texts were scrubbed (`awxJobResult(job, stdoutTail)`).
 */
function detailsOf(texts: FailureTexts | undefined): readonly string[] {
  if (texts === undefined) return [];
  if (isMadeByFailureTexts(texts)) return texts.details;
  const given =
    texts === null
      ? 'null'
      : typeof texts === 'object'
        ? 'an object it did not make'
        : typeof texts;
  throw new TypeError(
    `awxJobResult shows only the texts failureTexts makes (AWX's explanation and the output ` +
      `tail, scrubbed of what the job was given), not ${given}`,
  );
}

/**
 * A job that failed while AWX is still saving its events, reported as running so the
 * controller asks again and the failure, once reported, carries the end of the output.
 */
export function awxOutputPendingResult(
  job: Pick<Job, 'id' | 'status'> & Partial<Pick<Job, 'started'>>,
): ExecutionResult {
  const reason = 'AWXJobOutputPending';
  const message = `AWX job ${job.id} ended (${job.status.slice(0, maxRawStatus)}); waiting for AWX to save its output`;
  return {
    phase: 'Running',
    reason,
    message,
    summary: { status: 'Unknown', reason, message },
    ...jobTimes(job, 'Running'),
  };
}
