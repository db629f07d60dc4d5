import type { JobState } from './status.js';

/**
 * Whether someone (a queueing controller such as Kueue, a person) suspended the Job: the Job
 * controller deleted its pods without counting them failed, starts none until it is resumed,
 * and restarts the activeDeadlineSeconds clock then (syncJob, job_controller.go).
 */
export function isJobSuspended(job: JobState): boolean {
  return (
    job.status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') ?? false
  );
}
