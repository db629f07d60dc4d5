/**
 * The workflow job a sliced launch makes (JobTemplate.create_unified_job with an effective
 * `job_slice_count` above 1). The simulator never spawns its slices, but keeps its life as AWX
 * does: the task manager starts it after the template's `pendingMs`, and it runs until canceled.
 * Cancel follows UnifiedJob.cancel for a workflow job: one that has not started (no
 * celery_task_id yet) is canceled at once; a running one only gets its cancel_flag, and the
 * workflow manager marks it canceled once the jobs it spawned have ended, the template's
 * `cancelMs` later. The transitions are pure; the store arms the timers.
 */
import type { Model } from './filters.js';
import type { JobSchedule } from './jobs.js';
import { displayExtraVars } from './survey-answers.js';
import { formatTimestamp, type Micros } from './timestamps.js';

export interface WorkflowJob {
  readonly id: number;
  readonly name: string;
  readonly jobTemplate: number;
  readonly organization: number;
  readonly slices: number;
  readonly status: 'pending' | 'running' | 'canceled';
  readonly cancelFlag: boolean;
  readonly schedule: JobSchedule;
  readonly created: Micros;
  readonly modified: Micros;
  readonly started: Micros | null;
  /** As a job's: in clear, shown with the survey's password variables masked. */
  readonly extraVars: string;
  readonly surveyPasswords: readonly string[];
}

/** CAN_CANCEL: a workflow job that is pending or running. */
export function canCancelWorkflowJob(job: WorkflowJob): boolean {
  return job.status !== 'canceled';
}

/**
 * `POST cancel/`: a pending workflow job is canceled at once, a running one flagged (202 again,
 * changing nothing, once it is); `undefined` for a canceled one, which answers 405.
 */
export function cancelWorkflowJob(job: WorkflowJob, now: Micros): WorkflowJob | undefined {
  if (!canCancelWorkflowJob(job)) return undefined;
  if (job.status === 'pending')
    return { ...job, status: 'canceled', cancelFlag: true, modified: now };
  return job.cancelFlag ? job : { ...job, cancelFlag: true, modified: now };
}

/** Milliseconds until the workflow job's next transition, or `undefined` when it has none. */
export function nextWorkflowTransitionDelay(job: WorkflowJob): number | undefined {
  if (job.status === 'pending') return job.schedule.pendingMs;
  if (job.status === 'running' && job.cancelFlag) return job.schedule.cancelMs;
  return undefined;
}

/** The workflow job after its next transition: started, or canceled once flagged. */
export function advanceWorkflowJob(job: WorkflowJob, now: Micros): WorkflowJob {
  if (job.status === 'pending') return { ...job, status: 'running', started: now, modified: now };
  if (job.status === 'running' && job.cancelFlag) {
    return { ...job, status: 'canceled', modified: now };
  }
  return job;
}

/**
 * `workflow_jobs/` filtered by FieldLookupBackend on the WorkflowJob model; extra_vars is a
 * prevent_search field there as on a job.
 */
export const workflowJobModel: Model<WorkflowJob> = {
  objectName: 'WorkflowJob',
  ordering: ['id'],
  fields: {
    id: { kind: 'int', value: (j) => j.id },
    name: { kind: 'char', value: (j) => j.name },
    status: { kind: 'char', value: (j) => j.status },
    job_template: { kind: 'fk', value: (j) => j.jobTemplate },
    unified_job_template: { kind: 'fk', value: (j) => j.jobTemplate },
    organization: { kind: 'fk', value: (j) => j.organization },
    is_sliced_job: { kind: 'bool', value: () => true },
    launch_type: { kind: 'char', value: () => 'manual' },
    created: { kind: 'datetime', value: (j) => j.created },
    modified: { kind: 'datetime', value: (j) => j.modified },
    started: { kind: 'datetime', value: (j) => j.started },
    extra_vars: {
      kind: 'char',
      value: (j) => j.extraVars,
      forbidden: 'Filtering on extra_vars is not allowed.',
    },
  },
};

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
    started: job.started === null ? null : formatTimestamp(job.started),
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
