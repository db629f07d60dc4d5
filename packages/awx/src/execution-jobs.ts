import {
  ConfigurationError,
  type Conventions,
  isTerminalPhase,
  type Logger,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { JobReader, WorkflowJobReader } from './awx-roles.js';
import { parseJobTemplateName } from './engine-config.js';
import { SlicedLaunchFoundError } from './execution-errors.js';
import { type ExecutionIdentity, isJobOf, isLaunchOf } from './execution-identity.js';
import type { LaunchRecord } from './launch-record.js';
import type { Job } from './schemas.js';
import type { TemplateCatalog } from './template-catalog.js';

const jobRefPattern = /^awx-job-([1-9][0-9]*)$/;

/** `executionRef.name` of an execution: `awx-job-<id>`, as kubernaut writes it. */
export function awxJobRef(id: number): string {
  return `awx-job-${id}`;
}

/**
 * The kind an adopted job is reported by (`AWXJobCreated`), as the status reasons name it
 * (AWXJobRunning, AWXJobFailed). kubernaut's ansible executor never adopts a job, so it has
 * no name of its own for one.
 */
export const adoptedJobKind = 'AWXJob';

/** The job id an `executionRef.name` names, or undefined when it names none. */
export function jobIdOfRef(ref: string): number | undefined {
  const match = jobRefPattern.exec(ref);
  return match ? Number(match[1]) : undefined;
}

/**
 * The ids among `expected` that a job no longer has. AWX drops a deleted credential from the
 * jobs that used it, so a job that has not started and lacks one would run without it.
 */
export function missingCredentials(job: Job, expected: readonly number[]): number[] {
  const has = new Set((job.summary_fields?.credentials ?? []).map((c) => c.id));
  return expected.filter((id) => !has.has(id));
}

/**
 * Says that a job last seen active is not found. AWX refuses to delete a job that may still run
 * (UnifiedJobDeletionMixin.destroy answers 403), and shows a job only to who may read its
 * template (JobAccess.filtered_queryset), so such a job was most likely hidden, by a role taken
 * from the token's user, not deleted: AWX may still run it, and only someone who sees it can
 * cancel it.
 */
export function warnJobHidden(log: Logger, id: number): void {
  log.warn(
    { job: id },
    `AWX job ${id}, last seen active, is not found: the token has most likely lost Read on its job template (AWX refuses to delete a job that may still run), and AWX may still run it`,
  );
}

export interface ExecutionJobsSettings {
  readonly conventions: Conventions;
  readonly clockSkewToleranceMs: number;
  readonly lookbackMs: number;
}

/**
 * Finds an execution's AWX job: by the `executionRef` the controller wrote, by the launch
 * record, or, for an execution without either (kubernaut's, or one whose lock is gone), by the
 * marker every launch carries in its extra_vars.
 */
export class ExecutionJobs {
  readonly #awx: JobReader & WorkflowJobReader;
  readonly #catalog: TemplateCatalog;
  readonly #settings: ExecutionJobsSettings;
  readonly #log: Logger;

  constructor(
    awx: JobReader & WorkflowJobReader,
    catalog: TemplateCatalog,
    settings: ExecutionJobsSettings,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#catalog = catalog;
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * This execution's job, or `null`: the one `executionRef` names if it is ours; else the one
   * `record` knows of; else, without a record, the one the marker finds.
   */
  async owned(
    wfe: WorkflowExecution,
    identity: ExecutionIdentity,
    record: LaunchRecord | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const ref = wfe.status?.executionRef?.name;
    const lastSeenActive = !isTerminalPhase(wfe.status?.phase);
    if (ref !== undefined) {
      const id = jobIdOfRef(ref);
      if (id === undefined) return null;
      const job = await this.#named(id, lastSeenActive, signal);
      return job && isJobOf(job.extra_vars, identity, this.#settings.conventions) ? job : null;
    }
    if (record) return this.#recorded(record, identity, lastSeenActive, signal);
    let templateId: number;
    try {
      const { value } = await this.#catalog.template(parseJobTemplateName(wfe), signal);
      templateId = value.id;
    } catch (error) {
      // Without a valid config or its template, create could not have launched anything.
      if (error instanceof ConfigurationError) return null;
      throw error;
    }
    return this.findLaunch(templateId, identity, this.since(wfe), signal);
  }

  /**
   * `owned` for what reports on a job, its status and its output: a launch that made a workflow
   * job of sliced jobs made no job of this execution.
   */
  async reported(
    wfe: WorkflowExecution,
    identity: ExecutionIdentity,
    record: LaunchRecord | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    try {
      return await this.owned(wfe, identity, record, signal);
    } catch (error) {
      if (error instanceof SlicedLaunchFoundError) return null;
      throw error;
    }
  }

  /**
   * The job a launch record knows of, or finds by the marker from when its launch was sent. A
   * record is read while its launch may still be under way, so its job was last seen active.
   */
  recorded(
    record: LaunchRecord,
    identity: ExecutionIdentity,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    return this.#recorded(record, identity, true, signal);
  }

  async #recorded(
    record: LaunchRecord,
    identity: ExecutionIdentity,
    lastSeenActive: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const { conventions, clockSkewToleranceMs } = this.#settings;
    if (record.job !== undefined) {
      const job = await this.#named(record.job, lastSeenActive, signal);
      return job && isLaunchOf(job.extra_vars, identity, conventions) ? job : null;
    }
    // The launch made this workflow job and no job.
    if (record.workflowJob !== undefined) return null;
    if (record.launchedAt === undefined || record.template === undefined) return null;
    const since = new Date(Date.parse(record.launchedAt) - clockSkewToleranceMs);
    return this.findLaunch(record.template, identity, since, signal);
  }

  /**
   * The job of this template whose marker names this execution, created after `since`;
   * SlicedLaunchFoundError when the launch made a workflow job of sliced jobs instead.
   */
  async findLaunch(
    templateId: number,
    identity: ExecutionIdentity,
    since: Date,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const { conventions } = this.#settings;
    const job = await this.#awx.findJob(
      { jobTemplate: templateId, createdAfter: since },
      (job) => isLaunchOf(job.extra_vars, identity, conventions),
      { signal },
    );
    if (job?.launch_type === 'workflow') {
      const workflowJob = job.summary_fields?.source_workflow_job?.id;
      throw new SlicedLaunchFoundError({ job: job.id, workflowJob });
    }
    if (job) return job;
    // The workflow job spawns its slices only once it runs: until then, only it is there.
    const workflow = await this.#awx.findWorkflowJob(
      { jobTemplate: templateId, createdAfter: since },
      (workflow) => isLaunchOf(workflow.extra_vars, identity, conventions),
      { signal },
    );
    if (workflow) throw new SlicedLaunchFoundError({ workflowJob: workflow.id });
    return null;
  }

  /** The job with this id, or `null` when AWX answers 404; see `warnJobHidden`. */
  async #named(
    id: number,
    lastSeenActive: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const job = await this.#awx.getJob(id, { signal });
    if (job === null && lastSeenActive) warnJobHidden(this.#log, id);
    return job;
  }

  /** No job of this execution can be older than the execution itself, less clock skew. */
  since(wfe: WorkflowExecution): Date {
    const created = Date.parse(String(wfe.metadata.creationTimestamp ?? ''));
    const from = Number.isNaN(created) ? Date.now() - this.#settings.lookbackMs : created;
    return new Date(from - this.#settings.clockSkewToleranceMs);
  }
}
