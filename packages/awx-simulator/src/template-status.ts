/**
 * A job template's `status` and last job as AWX keeps them (awx/main/models/unified_jobs.py):
 * a job that goes pending or running becomes the template's current job and gives it its status
 * (_update_parent_instance_no_save; `waiting` is never passed on, UnifiedJob.save); a finished
 * one becomes its last job and stops being its current one, and each save of the template sets
 * `status` to the current job's, or else to `failed` when the last job failed (error and
 * canceled included) and `successful` when not, `never updated` before any
 * (_get_current_status). Replayed from the jobs' timestamps: pending at `created`, running at
 * `started`, finished at `finished`.
 */
import type { Job } from './jobs.js';

export interface TemplateJobState {
  readonly status: string;
  /** The job that finished last, which AWX calls the template's `last_job`. */
  readonly lastJob: Job | undefined;
  /** The job pending or running that last became the template's `current_job`. */
  readonly currentJob: Job | undefined;
}

interface Step {
  readonly at: number;
  /** Pending, running, finished: the order of one job's steps at the same instant. */
  readonly order: 0 | 1 | 2;
  readonly job: Job;
}

const FAILED = new Set(['failed', 'error', 'canceled']);

/** The job's status at `at`, as the template reads it then. */
function statusAt(job: Job, at: number): string {
  return job.started !== null && job.started <= at ? 'running' : 'pending';
}

export function templateJobState(jobs: readonly Job[]): TemplateJobState {
  const steps: Step[] = jobs.flatMap((job) => [
    { at: job.created, order: 0 as const, job },
    ...(job.started !== null ? [{ at: job.started, order: 1 as const, job }] : []),
    ...(job.finished !== null ? [{ at: job.finished, order: 2 as const, job }] : []),
  ]);
  steps.sort((a, b) => a.at - b.at || a.order - b.order || a.job.id - b.job.id);
  let status = 'never updated';
  let current: Job | undefined;
  let last: Job | undefined;
  for (const { at, order, job } of steps) {
    if (order < 2) {
      current = job;
      status = order === 0 ? 'pending' : 'running';
      continue;
    }
    if (current === job) current = undefined;
    last = job;
    status = current ? statusAt(current, at) : FAILED.has(job.status) ? 'failed' : 'successful';
  }
  return { status, lastJob: last, currentJob: current };
}
