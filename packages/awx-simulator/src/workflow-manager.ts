/**
 * One pass of AWX's WorkflowManager over a running sliced workflow job, given its jobs as they
 * are now. Flagged for cancel, it cancels every job that can still be (UnifiedJob.cancel: a
 * pending job ends at once, a waiting or running one is flagged and stops `cancelMs` later)
 * and marks the workflow job canceled once none can. Otherwise it ends the workflow job once
 * every job has finished: successful when all succeeded, failed when any failed, errored or was
 * canceled (WorkflowDAG.has_workflow_failed: a slice's node has no failure path), with the
 * workflow manager's explanation. Pure: the store saves what it returns.
 */
import { type Job, requestCancel } from './jobs.js';
import type { Micros } from './timestamps.js';
import type { WorkflowJob } from './workflow-jobs.js';

const FAILED = new Set(['failed', 'error', 'canceled']);
const DONE = new Set(['successful', ...FAILED]);

export const NO_ERROR_PATH = 'No error handling paths found, marking workflow as failed';

export interface WorkflowPass {
  readonly workflowJob: WorkflowJob;
  /** The jobs whose state the pass changed: canceled, or flagged for cancel. */
  readonly changedJobs: readonly Job[];
}

export function manageWorkflowJob(
  workflowJob: WorkflowJob,
  jobs: readonly Job[],
  now: Micros,
): WorkflowPass {
  if (workflowJob.status !== 'running') return { workflowJob, changedJobs: [] };
  if (workflowJob.cancelFlag) {
    const changedJobs = jobs.flatMap((job) => {
      const canceled = requestCancel(job, now);
      return canceled && canceled !== job ? [canceled] : [];
    });
    const after = jobs.map((job) => changedJobs.find((c) => c.id === job.id) ?? job);
    if (!after.every((job) => DONE.has(job.status))) return { workflowJob, changedJobs };
    return { workflowJob: end(workflowJob, 'canceled', now, ''), changedJobs };
  }
  if (jobs.length === 0 || !jobs.every((job) => DONE.has(job.status))) {
    return { workflowJob, changedJobs: [] };
  }
  const failed = jobs.some((job) => FAILED.has(job.status));
  return {
    workflowJob: failed
      ? end(workflowJob, 'failed', now, NO_ERROR_PATH)
      : end(workflowJob, 'successful', now, ''),
    changedJobs: [],
  };
}

function end(
  workflowJob: WorkflowJob,
  status: 'successful' | 'failed' | 'canceled',
  now: Micros,
  jobExplanation: string,
): WorkflowJob {
  return { ...workflowJob, status, finished: now, modified: now, jobExplanation };
}
