/**
 * Just past 350 lines: the steps of one launch (its credentials, the launch, the lookup of a
 * launch whose answer was lost, the checks of what AWX took) share the stage of the attempt,
 * which decides what a failure may undo.
 */
import {
  ConfigurationError,
  type CreateResult,
  type CreateWarning,
  type Logger,
  throwIfAborted,
} from '@roundhouse/core';
import { AwxApiError, AwxError, AwxWorkflowLaunchError, isNotFound } from './awx-errors.js';
import { templateRefusal } from './awx-permissions.js';
import type { JobLauncher } from './awx-roles.js';
import type { CreateAttempt } from './create-attempt.js';
import { type CredentialPlan, launchCredentials } from './credential-plan.js';
import { jobTemplateNamePath } from './engine-config.js';
import type { EphemeralCredentials } from './ephemeral-credentials.js';
import {
  CleanupIncompleteError,
  JobCredentialsMissingError,
  LaunchUnresolvedError,
  SlicedLaunchFoundError,
} from './execution-errors.js';
import { type ExecutionIdentity, parseVariables } from './execution-identity.js';
import { awxJobRef, type ExecutionJobs, missingCredentials } from './execution-jobs.js';
import type { ExtraVars } from './extra-vars.js';
import type { LaunchVariables } from './extra-vars-plan.js';
import { launchSliceCount, slicedLaunchIssue } from './job-slicing.js';
import type { ManagedCredentialPlan } from './kubernetes-credential.js';
import { checkLaunch } from './launch-check.js';
import { ignoredFieldIssues, passwordIssues } from './launch-prompts.js';
import { type Injected, launchDeadline } from './launch-record.js';
import { ignoredTimeoutWarning, launchTimeout } from './launch-timeout.js';
import { deadlineOnly } from './operation-bound.js';
import type { Credential, Job, JobTemplate } from './schemas.js';
import { isJobActive } from './status.js';
import type { Cached, TemplateCatalog } from './template-catalog.js';

/** What one launch needs: its inputs, and the warnings collected so far. */
export interface LaunchPlan {
  readonly identity: ExecutionIdentity;
  /** The launch's variables untyped, to type them again for a template read afresh. */
  readonly variables: LaunchVariables;
  /** `variables` typed for the survey of the template the launch is given (`checkLaunch`). */
  readonly extraVars: ExtraVars;
  /** The Secrets' credentials, and the Kubernetes API's when the engine gives jobs one. */
  readonly credentials: readonly (CredentialPlan | ManagedCredentialPlan)[];
  /** What `credentials` inject, recorded for scrubbing the job's output. */
  readonly injected: Injected;
  /** `spec.executionConfig.timeout` in milliseconds, if set. */
  readonly timeoutMs: number | undefined;
  readonly warnings: readonly CreateWarning[];
}

export interface JobLaunchSettings {
  readonly clockSkewToleranceMs: number;
  readonly launchCommitWindowMs: number;
  readonly now: () => number;
}

interface Launched {
  readonly job: number;
  readonly ignoredFields: Readonly<Record<string, unknown>>;
  /** Found by its marker after the launch answer was lost. */
  readonly adopted: boolean;
  readonly warnings: readonly string[];
}

/**
 * An adopted job that AWX may still start must have every credential of the execution: AWX
 * drops a deleted credential from its jobs, and the job would run without that Secret.
 */
export function verifyJobCredentials(job: Job, expected: readonly number[]): void {
  if (!isJobActive(job.status)) return;
  const missing = missingCredentials(job, expected);
  if (missing.length > 0) throw new JobCredentialsMissingError(job.id, missing);
}

/**
 * Creates an execution's credentials and launches its job, recording each step in the lock
 * first: the credentials it made, and that a launch is being sent, before it is sent. A
 * failure is left to `rollBack`, which reads from the attempt how far this got.
 */
export class JobLaunch {
  readonly #awx: JobLauncher;
  readonly #catalog: TemplateCatalog;
  readonly #credentials: EphemeralCredentials;
  readonly #jobs: ExecutionJobs;
  readonly #settings: JobLaunchSettings;
  readonly #log: Logger;

  constructor(
    awx: JobLauncher,
    parts: { catalog: TemplateCatalog; credentials: EphemeralCredentials; jobs: ExecutionJobs },
    settings: JobLaunchSettings,
    log: Logger,
  ) {
    this.#awx = awx;
    this.#catalog = parts.catalog;
    this.#credentials = parts.credentials;
    this.#jobs = parts.jobs;
    this.#settings = settings;
    this.#log = log;
  }

  async run(
    attempt: CreateAttempt,
    plan: LaunchPlan,
    template: Cached<JobTemplate>,
    signal: AbortSignal | undefined,
  ): Promise<CreateResult> {
    const { identity } = plan;
    const operation = `create ansible execution for ${identity.id}`;
    // Only an earlier attempt of this execution can have left credentials (a fresh lock means
    // cleanup already deleted any); their values may be stale, so they go before new ones come.
    if (attempt.adopted || plan.credentials.length > 0) {
      const failures = await this.#credentials.deleteAll(identity, attempt.credentialIds(), signal);
      if (failures.length > 0)
        throw new CleanupIncompleteError(failures, `${identity.id}'s earlier credentials`);
    }
    attempt.touchedCredentials = plan.credentials.length > 0;
    await this.#credentials.create(identity, plan.credentials, attempt.created, signal, operation);
    let current = template;
    let launched = await this.#launch(attempt, plan, plan.extraVars, current, true, signal);
    if (launched === 'stale') {
      // AWX refused the launch with what the cache held (the template or its survey changed),
      // or has no template of that id any more. Nothing was launched; once more with the
      // template of that name AWX has now, the variables typed for its survey as it is now.
      this.#catalog.forget(current.value);
      const fresh = await this.#catalog.template(current.value.name, signal);
      const withCredentials = attempt.created.length > 0;
      const checked = await checkLaunch(
        this.#catalog,
        fresh,
        plan.variables,
        withCredentials,
        signal,
      );
      current = checked.template;
      launched = await this.#launch(attempt, plan, checked.extraVars, current, false, signal);
    }
    const ignored = ignoredFieldIssues(current.value, launched.ignoredFields);
    if (ignored.length > 0) {
      // The template stopped prompting since it was read: the next create reads it afresh.
      this.#catalog.forget(current.value);
      throw new ConfigurationError(ignored);
    }
    await this.#recordJob(attempt, identity, launched.job, signal);
    this.#log.info(
      {
        wfe: identity.id,
        template: current.value.id,
        job: launched.job,
        credentials: attempt.created.length,
      },
      launched.adopted ? 'adopted the AWX job whose launch answer was lost' : 'launched AWX job',
    );
    return {
      resourceName: awxJobRef(launched.job),
      warnings: [
        ...plan.warnings,
        ...launched.warnings,
        ...ignoredTimeoutWarning(current.value, launched.ignoredFields),
      ],
    };
  }

  /**
   * Launches once, recording first that a launch is being sent. When the answer is lost in a
   * way AWX may still have acted on, the job is looked for at once: found, it is adopted; not
   * found, LaunchUnresolvedError, and nothing of the execution is deleted, since AWX may yet
   * commit the job. With `retryStale`, `stale` when AWX refused what the cache held.
   */
  async #launch(
    attempt: CreateAttempt,
    plan: LaunchPlan,
    extraVars: ExtraVars,
    template: Cached<JobTemplate>,
    retryStale: true,
    signal: AbortSignal | undefined,
  ): Promise<Launched | 'stale'>;
  async #launch(
    attempt: CreateAttempt,
    plan: LaunchPlan,
    extraVars: ExtraVars,
    template: Cached<JobTemplate>,
    retryStale: false,
    signal: AbortSignal | undefined,
  ): Promise<Launched>;
  async #launch(
    attempt: CreateAttempt,
    plan: LaunchPlan,
    extraVars: ExtraVars,
    template: Cached<JobTemplate>,
    retryStale: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Launched | 'stale'> {
    const { id, name } = template.value;
    const warnings: string[] = [];
    let credentials: number[] | undefined;
    if (attempt.created.length > 0) {
      let own: Credential[];
      try {
        own = await this.#catalog.credentials(template.value, signal);
      } catch (error) {
        if (retryStale && isNotFound(error)) return 'stale';
        throw error;
      }
      const merged = launchCredentials(own, attempt.created);
      credentials = merged.ids;
      for (const c of merged.replaced) {
        warnings.push(
          `the job template's credential "${c.name}" (id ${c.id}) is replaced for this job by an ephemeral credential of the same type`,
        );
      }
    }
    const timeout = launchTimeout(plan.timeoutMs, template.value);
    if (timeout.warning) warnings.push(timeout.warning);
    throwIfAborted(signal, `launch AWX job template "${name}" for ${plan.identity.id}`);
    const launchedAt = new Date(this.#settings.now()).toISOString();
    const { injected } = plan;
    await attempt.write(
      { template: id, credentials: attempt.credentialIds(), injected, launchedAt },
      signal,
    );
    attempt.stage = 'launching';
    try {
      const request = {
        extraVars,
        credentials,
        timeout: timeout.seconds,
        jobSliceCount: launchSliceCount(template.value),
      };
      const result = await this.#awx.launch(id, request, { signal });
      attempt.stage = 'launched';
      attempt.job = result.job;
      return { job: result.job, ignoredFields: result.ignored_fields, adopted: false, warnings };
    } catch (error) {
      if (error instanceof AwxWorkflowLaunchError) {
        this.#catalog.forget(template.value);
        throw slicedLaunchFailure(attempt, template.value, error.workflowJob, error);
      }
      if (error instanceof AwxError && !error.ambiguous) {
        attempt.stage = 'refused';
        // A 400 may rest on what the cache held; a 404 says the template is gone, however
        // freshly it was read (deleted, or replaced under its name), and nothing was launched.
        const refusedCached =
          template.cached && error instanceof AwxApiError && error.statusCode === 400;
        if (retryStale && (refusedCached || isNotFound(error))) return 'stale';
        throw launchRefused(template.value, error);
      }
      const job = await this.#findSent(attempt, plan.identity, id, signal).catch(
        (found: unknown) => {
          if (!(found instanceof SlicedLaunchFoundError)) throw found;
          this.#catalog.forget(template.value);
          throw slicedLaunchFailure(attempt, template.value, found.workflowJob, found);
        },
      );
      if (!job) {
        const until = launchDeadline(attempt.record, this.#settings.launchCommitWindowMs) as number;
        throw new LaunchUnresolvedError(id, launchedAt, new Date(until).toISOString(), {
          cause: error,
        });
      }
      attempt.stage = 'launched';
      attempt.job = job.id;
      verifyJobCredentials(job, attempt.credentialIds());
      const ignoredFields = ignoredVariables(job, extraVars);
      return { job: job.id, ignoredFields, adopted: true, warnings };
    }
  }

  /**
   * The job of a launch whose answer was lost, if AWX has it yet. Without the caller's signal
   * (a request cut by an abort is just as ambiguous), but within the create's bound. A failed
   * lookup finds nothing; a sliced job found is SlicedLaunchFoundError.
   */
  async #findSent(
    attempt: CreateAttempt,
    identity: ExecutionIdentity,
    templateId: number,
    signal: AbortSignal | undefined,
  ): Promise<Job | null> {
    const sent = Date.parse(attempt.record.launchedAt as string);
    const since = new Date(sent - this.#settings.clockSkewToleranceMs);
    try {
      return await this.#jobs.findLaunch(templateId, identity, since, deadlineOnly(signal));
    } catch (error) {
      if (error instanceof SlicedLaunchFoundError) throw error;
      this.#log.warn(
        { wfe: identity.id, reason: error instanceof AwxError ? error.reason : 'unknown' },
        'could not look for the AWX job of a launch whose answer was lost',
      );
      return null;
    }
  }

  /**
   * The job goes into the record and the claim is given up. Best effort: the record already
   * says a launch was sent, so whoever reads it next finds the job by its marker.
   */
  async #recordJob(
    attempt: CreateAttempt,
    identity: ExecutionIdentity,
    job: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      await attempt.finish({ job }, signal);
    } catch (error) {
      this.#log.warn(
        { wfe: identity.id, job, reason: error instanceof Error ? error.name : 'unknown' },
        'could not record the launched AWX job in the lock; it is found by its marker',
      );
    }
  }
}

/**
 * What AWX ignored of the variables of a launch whose answer, and its `ignored_fields`, was
 * lost: those its job lacks. AWX gives a job the template's variables and the launch's it took
 * (`_accept_or_ignore_variables`, `create_unified_job`), so a variable the launch sent that the
 * job lacks was ignored, as when the template stopped prompting for Variables since the check.
 */
function ignoredVariables(job: Job, sent: ExtraVars): Readonly<Record<string, unknown>> {
  const given = parseVariables(job.extra_vars) ?? {};
  const ignored = Object.entries(sent).filter(([name]) => !Object.hasOwn(given, name));
  return ignored.length > 0 ? { extra_vars: Object.fromEntries(ignored) } : {};
}

/**
 * The launch made a workflow job of sliced jobs, not a job: the attempt records it as launched,
 * so the rollback cancels it before deleting the credentials its slices may use.
 */
export function slicedLaunchFailure(
  attempt: CreateAttempt,
  template: Pick<JobTemplate, 'id' | 'name'>,
  workflowJob: number | undefined,
  cause: unknown,
): ConfigurationError {
  attempt.stage = 'launched';
  attempt.workflowJob = workflowJob;
  return new ConfigurationError(slicedLaunchIssue(template, workflowJob), { cause });
}

/**
 * A launch AWX refused outright (400: a survey answer or password missing, two credentials of
 * one type) can only succeed after someone changes the template or the workflow; a bare 403
 * says the user lacks Execute on the template, and one in AWX's own words (a license, an
 * organization's host limit) keeps them.
 */
function launchRefused(template: JobTemplate, error: unknown): unknown {
  if (!(error instanceof AwxApiError) || error.statusCode !== 400) {
    return templateRefusal(error, template, 'Execute');
  }
  const passwords = error.fields.filter((f) => f.path === 'passwords_needed_to_start');
  if (passwords.length > 0) {
    return new ConfigurationError(
      passwordIssues(
        template,
        passwords.map((f) => f.message),
      ),
      { cause: error },
    );
  }
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
