import { ConfigurationError, type Conventions, type WorkflowExecution } from '@roundhouse/core';
import { AwxLookupError } from './awx-errors.js';
import type { JobReader, JobTemplateReader } from './awx-roles.js';
import { jobTemplateNamePath, parseEngineConfig } from './engine-config.js';
import { type ExecutionIdentity, isJobOf, isLaunchOf } from './execution-identity.js';
import type { Job, JobTemplate } from './schemas.js';

const jobRefPattern = /^awx-job-([1-9][0-9]*)$/;

/** `executionRef.name` of an execution: `awx-job-<id>`, as kubernaut writes it. */
export function awxJobRef(id: number): string {
  return `awx-job-${id}`;
}

export interface ExecutionJobsSettings {
  readonly conventions: Conventions;
  readonly clockSkewToleranceMs: number;
  readonly lookbackMs: number;
}

/**
 * Finds an execution's AWX job without any record of it: by the `executionRef` the controller
 * wrote, else by the marker every launch carries in its extra_vars. Create adopts what this
 * finds, so a create retried after a crash never launches twice.
 */
export class ExecutionJobs {
  readonly #awx: JobTemplateReader & JobReader;
  readonly #settings: ExecutionJobsSettings;

  constructor(awx: JobTemplateReader & JobReader, settings: ExecutionJobsSettings) {
    this.#awx = awx;
    this.#settings = settings;
  }

  /** The template the engine config names; none or several of that name is a ConfigurationError. */
  async template(name: string, signal: AbortSignal | undefined): Promise<JobTemplate> {
    try {
      return await this.#awx.findJobTemplate(name, { signal });
    } catch (error) {
      if (error instanceof AwxLookupError) {
        throw new ConfigurationError({ path: jobTemplateNamePath, message: error.message });
      }
      throw error;
    }
  }

  /** This execution's job: the one `executionRef` names if it is ours, else the one the marker finds. */
  async owned(
    wfe: WorkflowExecution,
    identity: ExecutionIdentity,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const ref = wfe.status?.executionRef?.name;
    if (ref !== undefined) {
      const match = jobRefPattern.exec(ref);
      if (!match) return null;
      const job = await this.#awx.getJob(Number(match[1]), { signal });
      return job && isJobOf(job.extra_vars, identity, this.#settings.conventions) ? job : null;
    }
    let template: JobTemplate;
    try {
      template = await this.#awx.findJobTemplate(parseEngineConfig(wfe).jobTemplateName, {
        signal,
      });
    } catch (error) {
      // Without a valid config or its template, create could not have launched anything.
      if (error instanceof ConfigurationError || error instanceof AwxLookupError) return null;
      throw error;
    }
    return this.findLaunch(template.id, identity, this.since(wfe), signal);
  }

  /** The job of this template whose marker names this execution, created after `since`. */
  async findLaunch(
    templateId: number,
    identity: ExecutionIdentity,
    since: Date,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const { conventions } = this.#settings;
    return this.#awx.findJob(
      { jobTemplate: templateId, createdAfter: since },
      (job) => isLaunchOf(job.extra_vars, identity, conventions),
      { signal },
    );
  }

  /** No job of this execution can be older than the execution itself, less clock skew. */
  since(wfe: WorkflowExecution): Date {
    const created = Date.parse(String(wfe.metadata.creationTimestamp ?? ''));
    const from = Number.isNaN(created) ? Date.now() - this.#settings.lookbackMs : created;
    return new Date(from - this.#settings.clockSkewToleranceMs);
  }
}
