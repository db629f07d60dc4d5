import { AwxApiError } from './awx-errors.js';
import type {
  AwxRequestOptions,
  CancelOutcome,
  JobQuery,
  WorkflowJobReader,
  WorkflowNodeReader,
} from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import {
  type WorkflowJob,
  WorkflowJobRowSchema,
  WorkflowJobSchema,
  WorkflowNodeRowSchema,
} from './schemas.js';
import { isJobActive } from './status.js';

/** `workflow_jobs/`: finding and canceling the workflow job a template that slices launched. */
export class WorkflowJobsApi implements WorkflowJobReader, WorkflowNodeReader {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  /**
   * As `JobsApi.findJob`: AWX refuses to filter on `extra_vars`, so a template's workflow jobs
   * (the sliced launches' ones, whose `job_template` AWX sets) are read newest first and tested
   * here.
   */
  async findWorkflowJob(
    query: JobQuery,
    matches: (job: WorkflowJob) => boolean,
    options: AwxRequestOptions = {},
  ): Promise<WorkflowJob | null> {
    const filter = {
      job_template: query.jobTemplate,
      created__gt: query.createdAfter.toISOString(),
      order_by: '-created',
    };
    for await (const rows of this.#http.pages(
      'workflow_jobs/',
      filter,
      WorkflowJobRowSchema,
      options,
    )) {
      for (const row of rows) {
        const extraVars = row.extra_vars;
        const job =
          extraVars === undefined
            ? await this.#read(row.id, options)
            : { ...row, extra_vars: extraVars };
        if (job && matches(job)) return job;
      }
    }
    return null;
  }

  /**
   * A node's slice by node id: a list read begun again (AwxTransport.pages) shows a node twice.
   * A 404 says AWX no longer has the workflow job.
   */
  async workflowJobSlices(
    workflowJob: number,
    options: AwxRequestOptions = {},
  ): Promise<(number | null)[] | null> {
    const slices = new Map<number, number | null>();
    const path = `workflow_jobs/${workflowJob}/workflow_nodes/`;
    try {
      for await (const rows of this.#http.pages(path, {}, WorkflowNodeRowSchema, options)) {
        for (const node of rows) slices.set(node.id, node.job);
      }
    } catch (error) {
      if (error instanceof AwxApiError && error.statusCode === 404) return null;
      throw error;
    }
    return [...slices.values()];
  }

  async #read(id: number, options: AwxRequestOptions): Promise<WorkflowJob | null> {
    const call = this.#http.get(`workflow_jobs/${id}/`, {}, options);
    return this.#http.json(call, WorkflowJobSchema, { missingIsNull: true });
  }

  /**
   * AWX's GenericCancelView, as for a job: 405 for one that finished, 404 for one that is gone,
   * and 403 for a finished one to a user who is not a System Administrator
   * (WorkflowJobAccess.can_cancel refuses what cannot be canceled): the workflow job tells
   * which. AWX then cancels the jobs the workflow spawned and spawns no more (WorkflowManager).
   */
  async cancelWorkflowJob(id: number, options: AwxRequestOptions = {}): Promise<CancelOutcome> {
    const call = this.#http.post(`workflow_jobs/${id}/cancel/`, undefined, options, {
      mode: 'repeatable',
    });
    try {
      const status = await this.#http.status(call, [404, 405]);
      return status === 405 ? 'finished' : status === 404 ? 'absent' : 'requested';
    } catch (error) {
      if (!(error instanceof AwxApiError) || error.statusCode !== 403) throw error;
      const read = this.#http.get(`workflow_jobs/${id}/`, {}, options);
      const job = await this.#http.json(read, WorkflowJobRowSchema, { missingIsNull: true });
      if (job === null) return 'absent';
      if (!isJobActive(job.status)) return 'finished';
      throw error;
    }
  }
}
