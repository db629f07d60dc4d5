/**
 * A sliced launch's workflow job nodes, as `workflow_jobs/{id}/workflow_nodes/` lists them
 * (WorkflowJobNodeSerializer): JobTemplate.create_unified_job makes one per slice, pointing at
 * the template, with no edges between them; each gets its job when the workflow manager spawns
 * it. The simulator serves no `workflow_job_nodes/{id}/` view of its own.
 */
import type { Model } from './filters.js';
import { formatTimestamp } from './timestamps.js';
import type { WorkflowJob } from './workflow-jobs.js';

export interface WorkflowNode {
  readonly id: number;
  /** WorkflowNodeBase.identifier: a uuid4 unless whoever made the node chose one. */
  readonly identifier: string;
}

/** A node as the list shows it: its workflow job and the job it spawned, if any yet. */
export interface WorkflowNodeRow {
  readonly node: WorkflowNode;
  readonly workflowJob: WorkflowJob;
  readonly job: number | null;
}

/** The workflow job's nodes, slice 1 first, each with the job it spawned. */
export function workflowNodeRows(workflowJob: WorkflowJob): WorkflowNodeRow[] {
  return workflowJob.nodes.map((node, index) => ({
    node,
    workflowJob,
    job: workflowJob.jobs[index] ?? null,
  }));
}

export const workflowNodeModel: Model<WorkflowNodeRow> = {
  objectName: 'WorkflowJobNode',
  ordering: ['id'],
  fields: {
    id: { kind: 'int', value: (r) => r.node.id },
    identifier: { kind: 'char', value: (r) => r.node.identifier },
    job: { kind: 'fk', value: (r) => r.job },
    workflow_job: { kind: 'fk', value: (r) => r.workflowJob.id },
    unified_job_template: { kind: 'fk', value: (r) => r.workflowJob.jobTemplate },
    do_not_run: { kind: 'bool', value: () => false },
    created: { kind: 'datetime', value: (r) => r.workflowJob.created },
  },
};

const JOB_SUMMARY_FIELDS = [
  'id',
  'name',
  'description',
  'status',
  'failed',
  'elapsed',
  'type',
  'canceled_on',
];

/**
 * `summary_fields.job` of a node, from the job as JobSerializer shows it: the fields of
 * SUMMARIZABLE_FK_FIELDS['job'] that are not None (`canceled_on` only once it was canceled).
 */
export function summarizeNodeJob(job: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    JOB_SUMMARY_FIELDS.flatMap((f) => (job[f] === null ? [] : [[f, job[f]]])),
  );
}

export function serializeWorkflowNode(
  row: WorkflowNodeRow,
  jobSummary: Record<string, unknown> | undefined,
  prefix: string,
): Record<string, unknown> {
  const { node, workflowJob } = row;
  const url = `${prefix}workflow_job_nodes/${node.id}/`;
  const created = workflowJob.created;
  return {
    id: node.id,
    type: 'workflow_job_node',
    url,
    related: {
      credentials: `${url}credentials/`,
      labels: `${url}labels/`,
      instance_groups: `${url}instance_groups/`,
      success_nodes: `${url}success_nodes/`,
      failure_nodes: `${url}failure_nodes/`,
      always_nodes: `${url}always_nodes/`,
      unified_job_template: `${prefix}job_templates/${workflowJob.jobTemplate}/`,
      ...(row.job === null ? {} : { job: `${prefix}jobs/${row.job}/` }),
      workflow_job: `${prefix}workflow_jobs/${workflowJob.id}/`,
    },
    summary_fields: {
      ...(jobSummary && { job: jobSummary }),
      workflow_job: { id: workflowJob.id, name: workflowJob.name, description: '' },
      unified_job_template: {
        id: workflowJob.jobTemplate,
        name: workflowJob.name,
        description: '',
        unified_job_type: 'job',
      },
    },
    created: formatTimestamp(created),
    modified: formatTimestamp(created),
    extra_data: {},
    inventory: null,
    scm_branch: null,
    job_type: null,
    job_tags: null,
    skip_tags: null,
    limit: null,
    diff_mode: null,
    verbosity: null,
    execution_environment: null,
    forks: null,
    job_slice_count: null,
    timeout: null,
    job: row.job,
    workflow_job: workflowJob.id,
    unified_job_template: workflowJob.jobTemplate,
    success_nodes: [],
    failure_nodes: [],
    always_nodes: [],
    all_parents_must_converge: false,
    do_not_run: false,
    identifier: node.identifier,
  };
}
