/**
 * The workflow job a sliced launch makes (JobTemplate.create_unified_job with an effective
 * `job_slice_count` above 1), with one node per slice. The task manager starts it after the
 * template's `pendingMs`; the workflow manager then spawns a job per node (slice-jobs.ts) and
 * ends it once they all have (workflow-manager.ts). Cancel follows UnifiedJob.cancel for a
 * workflow job: one that has not started (no celery_task_id yet) is canceled at once; a running
 * one only gets its cancel_flag, and the workflow manager cancels its jobs and marks it canceled
 * once they have ended. The transitions are pure; the store arms the timers.
 */
import type { UserRef } from './access.js';
import type { Model } from './filters.js';
import type { JobSchedule } from './jobs.js';
import { displayExtraVars } from './survey-answers.js';
import { formatTimestamp, type Micros } from './timestamps.js';
import type { WorkflowJobCapabilities } from './user-capabilities.js';
import { authorLinks, authorSummaries } from './users.js';
import type { WorkflowNode } from './workflow-nodes.js';

export type WorkflowJobStatus = 'pending' | 'running' | 'successful' | 'failed' | 'canceled';

export interface WorkflowJob {
  readonly id: number;
  readonly name: string;
  readonly jobTemplate: number;
  readonly organization: number;
  readonly slices: number;
  readonly status: WorkflowJobStatus;
  readonly cancelFlag: boolean;
  readonly schedule: JobSchedule;
  readonly created: Micros;
  readonly modified: Micros;
  readonly started: Micros | null;
  readonly finished: Micros | null;
  readonly jobExplanation: string;
  /** As a job's: in clear, shown with the survey's password variables masked. */
  readonly extraVars: string;
  readonly surveyPasswords: readonly string[];
  /** The launch's credentials and timeout, which its slices are launched with. */
  readonly credentials: readonly number[];
  readonly timeout: number;
  /**
   * The template's `allow_simultaneous`, which the workflow job copies (a WorkflowJobOptions
   * field JobTemplate.create_unified_job copies); its slices get true whatever it is.
   */
  readonly allowSimultaneous: boolean;
  /**
   * Its created_by, which every slice job it spawns gets too, and its modified_by: the task
   * manager starts a workflow job without an instance group, and nothing after that changes an
   * editable field of it.
   */
  readonly launchedBy: UserRef;
  /**
   * The launch left empty a password its jobs need. AWX starts the workflow job all the same
   * (a WorkflowJob needs no password), but none of its jobs can start.
   */
  readonly passwordsMissing: boolean;
  /** One node per slice, made with it (JobTemplate.create_unified_job). */
  readonly nodes: readonly WorkflowNode[];
  /** The job each node spawned, slice 1 first; empty until the workflow manager runs it. */
  readonly jobs: readonly number[];
}

const FINISHED: ReadonlySet<WorkflowJobStatus> = new Set(['successful', 'failed', 'canceled']);

/** CAN_CANCEL: a workflow job that is pending or running. */
export function canCancelWorkflowJob(job: WorkflowJob): boolean {
  return !FINISHED.has(job.status);
}

/**
 * `POST cancel/`: a pending workflow job is canceled at once, a running one flagged (202 again,
 * changing nothing, once it is); `undefined` for a finished one, which answers 405.
 */
export function cancelWorkflowJob(job: WorkflowJob, now: Micros): WorkflowJob | undefined {
  if (!canCancelWorkflowJob(job)) return undefined;
  if (job.status === 'pending') {
    return { ...job, status: 'canceled', cancelFlag: true, modified: now, finished: now };
  }
  return job.cancelFlag ? job : { ...job, cancelFlag: true, modified: now };
}

/** Milliseconds until the task manager starts the workflow job; its jobs move it after that. */
export function nextWorkflowTransitionDelay(job: WorkflowJob): number | undefined {
  return job.status === 'pending' ? job.schedule.pendingMs : undefined;
}

/**
 * The task manager starts a pending workflow job, which forgets why it was held
 * (UnifiedJob.pre_start); anything else is left as it is.
 */
export function startWorkflowJob(job: WorkflowJob, now: Micros): WorkflowJob {
  if (job.status !== 'pending') return job;
  return { ...job, status: 'running', started: now, modified: now, jobExplanation: '' };
}

/** Seconds from start to finish, to the millisecond, or counted live while it runs. */
function elapsedSeconds(job: WorkflowJob, now: Micros): number {
  if (job.started === null) return 0;
  if (job.finished === null) return (now - job.started) / 1_000_000;
  return Math.round((job.finished - job.started) / 1000) / 1000;
}

/**
 * What UnifiedJobSerializer summarizes of the workflow job that spawned a job: the fields of
 * SUMMARIZABLE_FK_FIELDS['job'] it has and that are not None.
 */
export function summarizeSourceWorkflowJob(job: WorkflowJob, now: Micros): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    description: '',
    status: job.status,
    failed: job.status === 'failed' || job.status === 'canceled',
    elapsed: elapsedSeconds(job, now),
    ...(job.status === 'canceled' ? { canceled_on: formatTimestamp(job.finished) } : {}),
  };
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
    failed: {
      kind: 'bool',
      value: (j) => j.status === 'failed' || j.status === 'canceled',
    },
    created: { kind: 'datetime', value: (j) => j.created },
    modified: { kind: 'datetime', value: (j) => j.modified },
    started: { kind: 'datetime', value: (j) => j.started },
    finished: { kind: 'datetime', value: (j) => j.finished },
    extra_vars: {
      kind: 'char',
      value: (j) => j.extraVars,
      forbidden: 'Filtering on extra_vars is not allowed.',
    },
  },
};

/** WorkflowJobSerializer, for the fields a sliced launch shows. */
export function serializeWorkflowJob(
  job: WorkflowJob,
  prefix: string,
  now: Micros,
  capabilities: WorkflowJobCapabilities,
): Record<string, unknown> {
  const url = `${prefix}workflow_jobs/${job.id}/`;
  const canceled = job.status === 'canceled';
  const authors = { createdBy: job.launchedBy, modifiedBy: job.launchedBy };
  return {
    id: job.id,
    type: 'workflow_job',
    url,
    related: {
      ...authorLinks(authors, prefix),
      unified_job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      workflow_nodes: `${url}workflow_nodes/`,
      cancel: `${url}cancel/`,
      relaunch: `${url}relaunch/`,
    },
    summary_fields: {
      organization: { id: job.organization },
      job_template: { id: job.jobTemplate, name: job.name, description: '' },
      ...authorSummaries(authors),
      user_capabilities: capabilities,
    },
    created: formatTimestamp(job.created),
    modified: formatTimestamp(job.modified),
    name: job.name,
    description: '',
    unified_job_template: job.jobTemplate,
    launch_type: 'manual',
    status: job.status,
    failed: job.status === 'failed' || canceled,
    started: formatTimestamp(job.started),
    finished: formatTimestamp(job.finished),
    canceled_on: canceled ? formatTimestamp(job.finished) : null,
    elapsed: elapsedSeconds(job, now),
    job_explanation: job.jobExplanation,
    launched_by: {
      id: job.launchedBy.id,
      name: job.launchedBy.username,
      type: 'user',
      url: `${prefix}users/${job.launchedBy.id}/`,
    },
    work_unit_id: null,
    workflow_job_template: null,
    extra_vars: displayExtraVars(job.extraVars, job.surveyPasswords),
    allow_simultaneous: job.allowSimultaneous,
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
