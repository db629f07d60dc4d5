import {
  ConfigurationError,
  type CreateResult,
  type Logger,
  throwIfAborted,
} from '@roundhouse/core';
import { AwxApiError, AwxError } from './awx-errors.js';
import type { JobCanceler, JobLauncher, JobTemplateReader } from './awx-roles.js';
import { type CredentialPlan, launchCredentials } from './credential-plan.js';
import { jobTemplateNamePath } from './engine-config.js';
import type { EphemeralCredentials } from './ephemeral-credentials.js';
import type { ExecutionIdentity } from './execution-identity.js';
import { awxJobRef, type ExecutionJobs } from './execution-jobs.js';
import type { ExtraVars } from './extra-vars.js';
import { ignoredFieldIssues } from './launch-prompts.js';
import type { JobTemplate } from './schemas.js';

interface Launched {
  readonly id: number;
  readonly ignoredFields: Readonly<Record<string, unknown>>;
  readonly adopted: boolean;
}

/** What one launch needs: the template, its inputs, and the warnings collected so far. */
export interface LaunchPlan {
  readonly identity: ExecutionIdentity;
  readonly template: JobTemplate;
  readonly extraVars: ExtraVars;
  readonly credentials: readonly CredentialPlan[];
  readonly warnings: readonly string[];
}

/**
 * Launches an execution's job with its ephemeral credentials, all or nothing: any failure
 * deletes every credential of the execution (found by name, so one whose create answer was
 * lost goes too) and cancels a job whose launch AWX partly ignored, before the error is thrown.
 */
export class JobLaunch {
  readonly #awx: JobTemplateReader & JobLauncher & JobCanceler;
  readonly #credentials: EphemeralCredentials;
  readonly #jobs: ExecutionJobs;
  readonly #clockSkewToleranceMs: number;
  readonly #log: Logger;

  constructor(
    awx: JobTemplateReader & JobLauncher & JobCanceler,
    credentials: EphemeralCredentials,
    jobs: ExecutionJobs,
    clockSkewToleranceMs: number,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#credentials = credentials;
    this.#jobs = jobs;
    this.#clockSkewToleranceMs = clockSkewToleranceMs;
    this.#log = log;
  }

  async run(plan: LaunchPlan, signal: AbortSignal | undefined): Promise<CreateResult> {
    const { identity, template, extraVars } = plan;
    const operation = `create ansible execution for ${identity.id}`;
    const warnings = [...plan.warnings];
    let launched: Launched | undefined;
    try {
      // Left by an earlier create that stopped before launching; their values may be stale.
      await this.#credentials.deleteAll(identity, signal);
      const ephemeral = await this.#credentials.create(
        identity,
        plan.credentials,
        signal,
        operation,
      );
      let credentials: number[] | undefined;
      if (ephemeral.length > 0) {
        const merged = launchCredentials(
          await this.#awx.templateCredentials(template.id, { signal }),
          ephemeral,
        );
        credentials = merged.ids;
        for (const c of merged.replaced) {
          warnings.push(
            `the job template's credential "${c.name}" (id ${c.id}) is replaced for this job by an ephemeral credential of the same type`,
          );
        }
      }
      throwIfAborted(signal, operation);
      launched = await this.#launch(template, identity, extraVars, credentials, signal);
      const ignored = ignoredFieldIssues(template, launched.ignoredFields);
      if (ignored.length > 0) throw new ConfigurationError(ignored);
    } catch (error) {
      await this.#rollBack(identity, launched?.id);
      throw error;
    }
    this.#log.info(
      {
        wfe: identity.id,
        template: template.id,
        job: launched.id,
        credentials: plan.credentials.length,
      },
      launched.adopted ? 'adopted the AWX job whose launch answer was lost' : 'launched AWX job',
    );
    return { resourceName: awxJobRef(launched.id), warnings };
  }

  /**
   * Launches once. When the answer is lost in a way that AWX may still have acted on, the job
   * is looked up by its marker: found, it is adopted; not found, the error goes to the caller,
   * whose retried create looks again before launching.
   */
  async #launch(
    template: JobTemplate,
    identity: ExecutionIdentity,
    extraVars: ExtraVars,
    credentials: readonly number[] | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Launched> {
    const startedAt = Date.now();
    try {
      const result = await this.#awx.launch(template.id, { extraVars, credentials }, { signal });
      return { id: result.job, ignoredFields: result.ignored_fields, adopted: false };
    } catch (error) {
      if (!(error instanceof AwxError) || !error.ambiguous) throw launchRefused(template, error);
      const since = new Date(startedAt - this.#clockSkewToleranceMs);
      const job = await this.#jobs.findLaunch(template.id, identity, since, signal);
      if (!job) throw error;
      return { id: job.id, ignoredFields: {}, adopted: true };
    }
  }

  /** Best effort, without the caller's signal: a shutting-down caller still gets it done. */
  async #rollBack(identity: ExecutionIdentity, jobId: number | undefined): Promise<void> {
    if (jobId !== undefined) {
      try {
        const outcome = await this.#awx.cancelJob(jobId);
        this.#log.info(
          { wfe: identity.id, job: jobId, outcome },
          'canceled AWX job of a failed create',
        );
      } catch (error) {
        this.#log.warn(
          { wfe: identity.id, job: jobId, reason: reasonOf(error) },
          'could not cancel the AWX job of a failed create',
        );
      }
    }
    try {
      await this.#credentials.deleteAll(identity, undefined);
    } catch (error) {
      this.#log.warn(
        { wfe: identity.id, reason: reasonOf(error) },
        'could not delete the credentials of a failed create; cleanup deletes them by name',
      );
    }
  }
}

function reasonOf(error: unknown): string {
  return error instanceof AwxError ? error.reason : error instanceof Error ? error.name : 'unknown';
}

/**
 * A launch AWX refused outright (400: a survey answer or password missing, two credentials of
 * one type) can only succeed after someone changes the template or the workflow.
 */
function launchRefused(template: JobTemplate, error: unknown): unknown {
  if (!(error instanceof AwxApiError) || error.statusCode !== 400) return error;
  return new ConfigurationError(
    error.fields.length > 0
      ? error.fields.map((f) => ({
          path: jobTemplateNamePath,
          message: `AWX refused to launch job template "${template.name}": ${f.path ? `${f.path}: ` : ''}${f.message}`,
        }))
      : {
          path: jobTemplateNamePath,
          message: `AWX refused to launch job template "${template.name}": ${error.detail ?? 'bad request'}`,
        },
    { cause: error },
  );
}
