/**
 * The jobs a sliced launch's workflow job spawns once it runs: WorkflowManager.spawn_workflow_
 * graph_jobs creates one per node (JobTemplate.create_unified_job with WorkflowJobNode.
 * get_job_kwargs) and starts each at once (signal_start, so `pending`). Every slice is a job of
 * the template with the launch's variables (the marker too), credentials and timeout, launched
 * by whoever launched the template, with `launch_type` `workflow`, `job_slice_number` from 1 and
 * `job_slice_count` the number of nodes, from which AWX slices the inventory by host
 * (Inventory.get_sliced_hosts); the simulator has no hosts to slice. A job that signal_start
 * refuses (the launch left a password empty) is failed there and then, with the workflow
 * manager's explanation.
 */
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';
import type { WorkflowJob } from './workflow-jobs.js';

export const CANNOT_START =
  'Job spawned from workflow could not start because it was not in the right state or required manual credentials';

/** The workflow job with its nodes' jobs, and those jobs, given an id for each slice. */
export function spawnSlices(
  workflowJob: WorkflowJob,
  ids: readonly number[],
  now: Micros,
): { readonly workflowJob: WorkflowJob; readonly jobs: readonly Job[] } {
  const refused = workflowJob.passwordsMissing;
  const jobs = ids.map(
    (id, index): Job => ({
      id,
      name: workflowJob.name,
      jobTemplate: workflowJob.jobTemplate,
      organization: workflowJob.organization,
      status: refused ? 'failed' : 'pending',
      created: now,
      modified: now,
      started: null,
      finished: refused ? now : null,
      jobExplanation: refused ? CANNOT_START : '',
      extraVars: workflowJob.extraVars,
      surveyPasswords: workflowJob.surveyPasswords,
      credentials: workflowJob.credentials,
      timeout: workflowJob.timeout,
      cancelFlag: false,
      canceledOn: null,
      launchedBy: workflowJob.launchedBy,
      modifiedBy: null,
      schedule: workflowJob.schedule,
      jobEnv: {},
      resultTraceback: '',
      launchType: 'workflow',
      sliceNumber: index + 1,
      sliceCount: ids.length,
      sourceWorkflowJob: workflowJob.id,
      allowSimultaneous: true,
    }),
  );
  return { workflowJob: { ...workflowJob, jobs: ids, modified: now }, jobs };
}
