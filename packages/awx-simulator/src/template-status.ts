/**
 * A job template's `status` and jobs as AWX stores them (awx/main/models/unified_jobs.py), kept
 * from change to change rather than worked out from the jobs there are: a job whose status
 * changes, `waiting` aside (UnifiedJob.save), becomes the template's current job while pending
 * or running, and once finished its last job, no longer its current one
 * (_update_parent_instance_no_save); then the template is saved, and each save sets `status` to
 * the current job's status as stored then (`waiting` included), or else to `failed` when the last
 * job failed (error and canceled included), `successful` when not, `never updated` without one,
 * and `last_job_run` to the last job's finish (_set_status_and_last_job_run). Deleting a job only
 * clears the template's references to it (on_delete=SET_NULL): its status, `last_job_failed`
 * and `last_job_run` stay until the template is saved again.
 */
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';

export interface TemplateJobState {
  readonly status: string;
  /** The job pending or running that last became the template's `current_job`. */
  readonly currentJob: number | null;
  /** The job that finished last, which AWX calls the template's `last_job`. */
  readonly lastJob: number | null;
  readonly lastJobFailed: boolean;
  readonly lastJobRun: Micros | null;
}

export const NEVER_RUN: TemplateJobState = {
  status: 'never updated',
  currentJob: null,
  lastJob: null,
  lastJobFailed: false,
  lastJobRun: null,
};

const ACTIVE = new Set(['pending', 'running']);
const FINISHED = new Set(['successful', 'failed', 'error', 'canceled']);
const FAILED = new Set(['failed', 'error', 'canceled']);

/** UnifiedJobTemplate.save: its status and last run from the jobs it names, as stored now. */
export function templateSaved(
  state: TemplateJobState,
  jobOf: (id: number) => Job | undefined,
): TemplateJobState {
  const current = state.currentJob === null ? undefined : jobOf(state.currentJob);
  const last = state.lastJob === null ? undefined : jobOf(state.lastJob);
  const status = current
    ? current.status
    : state.lastJob === null
      ? 'never updated'
      : state.lastJobFailed
        ? 'failed'
        : 'successful';
  return { ...state, status, lastJobRun: last ? last.finished : null };
}

/** UnifiedJob.save of one of the template's jobs whose status was `before`. */
export function jobSaved(
  state: TemplateJobState,
  job: Job,
  before: string,
  jobOf: (id: number) => Job | undefined,
): TemplateJobState {
  if (job.status === before || job.status === 'waiting') return state;
  if (ACTIVE.has(job.status)) return templateSaved({ ...state, currentJob: job.id }, jobOf);
  if (!FINISHED.has(job.status)) return templateSaved(state, jobOf);
  const finished = {
    ...state,
    currentJob: state.currentJob === job.id ? null : state.currentJob,
    lastJob: job.id,
    lastJobFailed: FAILED.has(job.status),
  };
  return templateSaved(finished, jobOf);
}

/** A job deleted from the history: the template's foreign keys to it are set to null. */
export function jobDeleted(state: TemplateJobState, jobId: number): TemplateJobState {
  return {
    ...state,
    currentJob: state.currentJob === jobId ? null : state.currentJob,
    lastJob: state.lastJob === jobId ? null : state.lastJob,
  };
}
