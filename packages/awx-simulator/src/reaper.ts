/**
 * What AWX's dispatcher does to jobs left behind when it starts (awx/main/tasks/system.py
 * dispatch_startup): reaper.startup_reaping fails each job `running` on this instance, then
 * reaper.reap_waiting(grace_period=0) each one `waiting` on it. A restart kills the processes
 * that ran them, so nothing would end them otherwise.
 *
 * Workflow jobs are left alone: TaskManager.process_pending_tasks starts one without an
 * instance, so it has no controller_node for startup_reaping to match, and the workflow manager
 * goes on with it after the restart.
 */
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';

/** reaper.startup_reaping's explanation for a job it found `running`. */
const AT_STARTUP =
  'Task was marked as running at system start up. The system must have not shut down properly, so it has been marked as failed.';
/** reaper.reap_job's explanation when its caller gives none, as reap_waiting does here. */
const NOT_IN_QUEUE =
  'Task was marked as running but was not present in the job queue, so it has been marked as failed.';

/**
 * The job as reaper.reap_job saves it, or `undefined` for one it leaves (neither running nor
 * waiting). It saves `status` and `job_explanation` (appended, after a space, to one already
 * there); UnifiedJob.save adds `failed` and `finished`, CreatedModifiedModel.save `modified`.
 */
export function reapAtStartup(job: Job, now: Micros): Job | undefined {
  if (job.status !== 'running' && job.status !== 'waiting') return undefined;
  const explanation = job.status === 'running' ? AT_STARTUP : NOT_IN_QUEUE;
  const jobExplanation = job.jobExplanation ? `${job.jobExplanation} ${explanation}` : explanation;
  return { ...job, status: 'failed', finished: now, modified: now, jobExplanation };
}
