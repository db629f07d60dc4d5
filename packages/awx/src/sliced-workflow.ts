import { AwxApiError } from './awx-errors.js';
import type { AwxRequestOptions, JobCanceler, WorkflowNodeReader } from './awx-roles.js';
import { SlicedWorkflowNotCanceledError, WorkflowJobCancelingError } from './execution-errors.js';

/** What ending a sliced launch asks of AWX. */
export type SlicedWorkflowCanceler = JobCanceler & WorkflowNodeReader;

/**
 * Cancels the workflow job a sliced launch made, and throws WorkflowJobCancelingError until it
 * has ended. AWX ends a workflow job that had not started at once (UnifiedJob.cancel sets its
 * status), but only sets the cancel_flag of a running one: the workflow manager cancels its
 * sliced jobs later and marks it canceled once they all ended, so until then one of them may
 * still start with the execution's credentials. Asking twice tells which: AWX answers the
 * second with 405 (`finished`) once it has ended, and accepts it again while it has not.
 *
 * A user who neither launched it nor is a System Administrator gets 403 for a workflow job that
 * has not ended (WorkflowJobAccess.can_cancel), e.g. one kubernaut's token launched; as Admin on
 * the template it may still cancel each slice (JobAccess.can_cancel), and once every node has a
 * canceled or finished job, nothing more can start.
 */
export async function endSlicedWorkflow(
  awx: SlicedWorkflowCanceler,
  workflowJob: number,
  options: AwxRequestOptions = {},
): Promise<void> {
  for (let ask = 0; ask < 2; ask++) {
    let outcome: Awaited<ReturnType<JobCanceler['cancelWorkflowJob']>>;
    try {
      outcome = await awx.cancelWorkflowJob(workflowJob, options);
    } catch (error) {
      if (!isForbidden(error)) throw error;
      return cancelSlices(awx, workflowJob, error, options);
    }
    if (outcome !== 'requested') return;
  }
  throw new WorkflowJobCancelingError(workflowJob);
}

function isForbidden(error: unknown): error is AwxApiError {
  return error instanceof AwxApiError && error.statusCode === 403;
}

/**
 * Cancels every slice the workflow job spawned; a slice that finished or is gone is done. Every
 * slice is tried before a refusal is reported.
 */
async function cancelSlices(
  awx: SlicedWorkflowCanceler,
  workflowJob: number,
  refusal: AwxApiError,
  options: AwxRequestOptions,
): Promise<void> {
  const slices = await awx.workflowJobSlices(workflowJob, options);
  // AWX deletes a workflow job only once it has ended.
  if (slices === null) return;
  const refused: number[] = [];
  let unspawned = 0;
  for (const job of slices) {
    if (job === null) {
      unspawned++;
      continue;
    }
    try {
      await awx.cancelJob(job, options);
    } catch (error) {
      if (!isForbidden(error)) throw error;
      refused.push(job);
    }
  }
  if (refused.length > 0 || unspawned > 0) {
    throw new SlicedWorkflowNotCanceledError(workflowJob, refused, unspawned, { cause: refusal });
  }
}
