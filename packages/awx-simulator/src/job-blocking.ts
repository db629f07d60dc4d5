/**
 * Why AWX's task manager leaves a pending job pending (awx/main/scheduler/dependency_graph.py
 * DependencyGraph.job_blocked_by): a job whose `allow_simultaneous` is false waits while another
 * job of its template is in the graph. The graph holds the jobs that are `waiting` or `running`
 * (process_running_tasks), then each pending job the same pass starts, in `created` order
 * (get_tasks orders by it; start_task adds it), so an earlier pending job goes first too.
 */
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';

/** TaskManager.time_delta_job_explanation: a job blocked this long is told why. */
export const BLOCKED_EXPLANATION_DELAY_MS = 30_000;

/** The job of the same template that holds `job` pending, or `undefined` if it may start. */
export function jobBlockedBy(job: Job, jobs: Iterable<Job>): Job | undefined {
  if (job.allowSimultaneous) return undefined;
  let earlierPending: Job | undefined;
  for (const other of jobs) {
    if (other.id === job.id || other.jobTemplate !== job.jobTemplate) continue;
    if (other.status === 'waiting' || other.status === 'running') return other;
    const queuedFirst = other.status === 'pending' && other.id < job.id;
    if (queuedFirst && (earlierPending === undefined || other.id < earlierPending.id)) {
      earlierPending = other;
    }
  }
  return earlierPending;
}

/**
 * The blocked job after a pass of the task manager (process_pending_tasks): still pending, and
 * once it was created more than 30 seconds ago, explained by the job blocking it (the model's
 * name is `job`; the text is stored untranslated, gettext_noop). It is a bulk_update of that
 * field alone, so `modified` stays.
 */
export function holdPending(job: Job, blocker: Job, now: Micros): Job {
  if (job.created >= now - BLOCKED_EXPLANATION_DELAY_MS * 1000) return job;
  return { ...job, jobExplanation: `waiting for job-${blocker.id} to finish` };
}

/** Milliseconds until a blocked job is old enough to be told why, or `undefined` once told. */
export function explanationDelay(job: Job, now: Micros): number | undefined {
  const due = job.created + BLOCKED_EXPLANATION_DELAY_MS * 1000;
  return now > due ? undefined : Math.ceil((due - now) / 1000) + 1;
}
