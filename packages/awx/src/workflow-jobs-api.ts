import type { AwxRequestOptions, CancelOutcome } from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';

/** `workflow_jobs/`: canceling the workflow job a template that slices launched. */
export class WorkflowJobsApi {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  /**
   * AWX's GenericCancelView, as for a job: 405 for one that finished, 404 for one that is gone.
   * AWX then cancels the jobs the workflow spawned and spawns no more (WorkflowManager).
   */
  async cancelWorkflowJob(id: number, options: AwxRequestOptions = {}): Promise<CancelOutcome> {
    const call = this.#http.post(`workflow_jobs/${id}/cancel/`, undefined, options, {
      mode: 'repeatable',
    });
    const status = await this.#http.status(call, [404, 405]);
    return status === 405 ? 'finished' : status === 404 ? 'absent' : 'requested';
  }
}
