import type { JobState } from './status.js';

/** The value of `spec.managedBy` that names the built-in Job controller (as its absence does). */
const builtInJobController = 'kubernetes.io/job-controller';

/**
 * Whether another controller than Kubernetes' own manages the Job (`spec.managedBy`, set by a
 * multi-cluster dispatcher such as Kueue's MultiKueue): the Job controller skips it, so it
 * creates no pod here and records no FailedCreate, and the status is copied from where the
 * work runs. Neither its pods nor its Events here say anything about whether it can start.
 */
export function isManagedElsewhere(job: JobState): boolean {
  const managedBy = job.spec?.managedBy;
  return typeof managedBy === 'string' && managedBy !== builtInJobController;
}
