import { AwxApiError } from './awx-errors.js';
import type { AwxRequestOptions, CancelOutcome } from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import { WorkflowJobSchema } from './schemas.js';
import { isJobActive } from './status.js';

/** `workflow_jobs/`: canceling the workflow job a template that slices launched. */
export class WorkflowJobsApi {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
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
      const job = await this.#http.json(read, WorkflowJobSchema, { missingIsNull: true });
      if (job === null) return 'absent';
      if (!isJobActive(job.status)) return 'finished';
      throw error;
    }
  }
}
