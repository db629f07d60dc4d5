import type { AwxRequestOptions, JobCanceler } from './awx-roles.js';
import { WorkflowJobCancelingError } from './execution-errors.js';

/**
 * Cancels the workflow job a sliced launch made, and throws WorkflowJobCancelingError until it
 * has ended. AWX ends a workflow job that had not started at once (UnifiedJob.cancel sets its
 * status), but only sets the cancel_flag of a running one: the workflow manager cancels its
 * sliced jobs later and marks it canceled once they all ended, so until then one of them may
 * still start with the execution's credentials. Asking twice tells which: AWX answers the
 * second with 405 (`finished`) once it has ended, and accepts it again while it has not.
 */
export async function endSlicedWorkflow(
  awx: JobCanceler,
  workflowJob: number,
  options: AwxRequestOptions = {},
): Promise<void> {
  for (let ask = 0; ask < 2; ask++) {
    if ((await awx.cancelWorkflowJob(workflowJob, options)) !== 'requested') return;
  }
  throw new WorkflowJobCancelingError(workflowJob);
}
