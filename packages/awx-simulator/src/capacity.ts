/**
 * The instance's capacity, simplified: AWX fits each pending job to an instance with room for
 * its task_impact (TaskManager.process_pending_tasks, fit_task_to_most_remaining_capacity_instance)
 * and otherwise leaves it pending (task_needs_capacity). The simulator's one instance has
 * `capacity` and every job takes 1 of it while `waiting` or `running` (AWX charges a job its
 * forks or hosts, plus the control impact); a workflow job takes none, since the task manager
 * starts it without fitting it to an instance.
 */
import { BLOCKED_EXPLANATION_DELAY_MS } from './job-blocking.js';
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';

/** What ping/ reports when no capacity is set, in which case jobs are never held for it. */
export const UNSET_CAPACITY = 100;

const TAKES_CAPACITY = new Set(['waiting', 'running']);

/** Whether a job may start beside those already waiting or running. */
export function hasRoom(jobs: Iterable<Job>, capacity: number | undefined): boolean {
  if (capacity === undefined) return true;
  let taken = 0;
  for (const job of jobs) if (TAKES_CAPACITY.has(job.status)) taken += 1;
  return taken < capacity;
}

interface Held {
  readonly created: Micros;
  readonly jobExplanation: string;
}

/**
 * The job held for capacity after a pass of the task manager: once it was created more than
 * 30 seconds ago (time_delta_job_explanation), task_needs_capacity's explanation, stored
 * untranslated (gettext_noop) by a bulk_update of that field alone, so `modified` stays.
 */
export function holdForCapacity<T extends Held>(held: T, now: Micros): T {
  if (held.created >= now - BLOCKED_EXPLANATION_DELAY_MS * 1000) return held;
  return {
    ...held,
    jobExplanation:
      'This job is not ready to start because there is not enough available capacity.',
  };
}
