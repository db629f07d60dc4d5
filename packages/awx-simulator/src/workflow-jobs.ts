/**
 * The workflow job a sliced launch makes (JobTemplate.create_unified_job with an effective
 * `job_slice_count` above 1). The simulator keeps it pending and never spawns its slices: a
 * client must only see that no job was launched, and be able to cancel it.
 */
import { displayExtraVars } from './survey-answers.js';
import { formatTimestamp, type Micros } from './timestamps.js';

export interface WorkflowJob {
  readonly id: number;
  readonly name: string;
  readonly jobTemplate: number;
  readonly organization: number;
  readonly slices: number;
  readonly status: 'pending' | 'canceled';
  readonly created: Micros;
  readonly modified: Micros;
  /** As a job's: in clear, shown with the survey's password variables masked. */
  readonly extraVars: string;
  readonly surveyPasswords: readonly string[];
}

/** `POST cancel/`: a pending workflow job is canceled at once; a canceled one answers 405. */
export function cancelWorkflowJob(job: WorkflowJob, now: Micros): WorkflowJob | undefined {
  return job.status === 'pending' ? { ...job, status: 'canceled', modified: now } : undefined;
}

/** WorkflowJobSerializer, for the fields a sliced launch shows. */
export function serializeWorkflowJob(job: WorkflowJob, prefix: string): Record<string, unknown> {
  const url = `${prefix}workflow_jobs/${job.id}/`;
  const canceled = job.status === 'canceled';
  return {
    id: job.id,
    type: 'workflow_job',
    url,
    related: {
      unified_job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      workflow_nodes: `${url}workflow_nodes/`,
      cancel: `${url}cancel/`,
      relaunch: `${url}relaunch/`,
    },
    summary_fields: {
      organization: { id: job.organization },
      job_template: { id: job.jobTemplate, name: job.name, description: '' },
      user_capabilities: { delete: canceled, start: true },
    },
    created: formatTimestamp(job.created),
    modified: formatTimestamp(job.modified),
    name: job.name,
    description: '',
    unified_job_template: job.jobTemplate,
    launch_type: 'manual',
    status: job.status,
    failed: canceled,
    started: null,
    finished: canceled ? formatTimestamp(job.modified) : null,
    canceled_on: canceled ? formatTimestamp(job.modified) : null,
    elapsed: 0,
    job_explanation: '',
    launched_by: { id: 1, name: 'admin', type: 'user', url: `${prefix}users/1/` },
    work_unit_id: null,
    workflow_job_template: null,
    extra_vars: displayExtraVars(job.extraVars, job.surveyPasswords),
    allow_simultaneous: false,
    job_template: job.jobTemplate,
    is_sliced_job: true,
    inventory: 1,
    limit: null,
    scm_branch: null,
    webhook_service: '',
    webhook_credential: null,
    webhook_guid: '',
    skip_tags: null,
    job_tags: null,
  };
}
