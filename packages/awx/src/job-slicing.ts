/**
 * AWX's job slicing: a template whose effective `job_slice_count` is above 1 launches a
 * workflow job of sliced jobs, not one job (JobTemplate.create_unified_job), and answers the
 * launch with `workflow_job` and no `job`. The engine runs one job per execution, so a template
 * that slices is refused before launching, and one that prompts for slicing is launched with 1.
 */
import type { FieldIssue } from '@roundhouse/core';
import { jobTemplateNamePath } from './engine-config.js';
import type { JobTemplate } from './schemas.js';

type Sliceable = Pick<
  JobTemplate,
  'id' | 'name' | 'job_slice_count' | 'ask_job_slice_count_on_launch'
>;

const fix =
  'set its Job Slicing (job_slice_count) to 1, or enable "Prompt on launch" for Job Slicing ' +
  '(ask_job_slice_count_on_launch) so the engine can launch it with 1';

/**
 * A template that may slice whatever the launch says. AWX slices only across more than one
 * host of the inventory, which the engine does not read: a template that would not slice today
 * would once its inventory grew, so it is refused as well.
 */
export function slicingIssues(template: Sliceable): FieldIssue[] {
  if (template.job_slice_count <= 1 || template.ask_job_slice_count_on_launch) return [];
  return [
    {
      path: jobTemplateNamePath,
      message:
        `AWX job template "${template.name}" (id ${template.id}) slices its jobs ` +
        `(job_slice_count ${template.job_slice_count}): AWX would launch a workflow of ` +
        `sliced jobs, not the one job an execution runs; ${fix}`,
    },
  ];
}

/** What the launch sends as `job_slice_count`: 1 when the template prompts for it. */
export function launchSliceCount(template: Sliceable): number | undefined {
  return template.ask_job_slice_count_on_launch ? 1 : undefined;
}

/**
 * The template sliced anyway (it changed since it was read): its workflow job is canceled, or
 * has ended when AWX no longer knows it (`undefined`).
 */
export function slicedLaunchIssue(
  template: Pick<JobTemplate, 'id' | 'name'>,
  workflowJob: number | undefined,
) {
  const made =
    workflowJob === undefined
      ? 'a workflow job of sliced jobs instead of a job, which has ended'
      : `workflow job ${workflowJob} of sliced jobs instead of a job, which was canceled`;
  return {
    path: jobTemplateNamePath,
    message: `AWX job template "${template.name}" (id ${template.id}) launched ${made}; ${fix}`,
  };
}
