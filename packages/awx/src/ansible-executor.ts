import {
  type Availability,
  ConfigurationError,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  type Logger,
  noopLogger,
  type OperationOptions,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { AwxError } from './awx-errors.js';
import type { AnsibleExecutorAwx } from './awx-roles.js';
import { planCredentials } from './credential-plan.js';
import { dependencyNames } from './dependencies.js';
import { DependencyReader } from './dependency-reader.js';
import { parseEngineConfig } from './engine-config.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { executionIdentity } from './execution-identity.js';
import { awxJobRef, ExecutionJobs } from './execution-jobs.js';
import {
  type AnsibleExecutorOptions,
  type AnsibleExecutorSettings,
  parseExecutorOptions,
} from './executor-options.js';
import { launchExtraVars } from './extra-vars-plan.js';
import { JobLaunch } from './job-launch.js';
import { promptIssues } from './launch-prompts.js';
import type { Job } from './schemas.js';
import { awxJobResult, isJobActive, isJobFailed } from './status.js';

/** The engine name, matched against `spec.executionEngine`. */
export const ansibleEngine = 'ansible';

/**
 * The `ansible` engine: launches an AWX / AAP job template with the execution's parameters as
 * typed extra_vars and its Secrets as credentials that exist only for this execution.
 *
 * Nothing it creates outlives a failed create, and nothing is launched twice for one
 * execution: every launch carries the execution's identity in extra_vars and every credential
 * a name derived from it, so a create retried after a crash adopts the job it launched and
 * cleanup finds the credentials without any record having been written.
 */
export class AnsibleExecutor implements Executor {
  readonly engine = ansibleEngine;
  readonly #awx: AnsibleExecutorAwx;
  readonly #dependencies: DependencyReader;
  readonly #jobs: ExecutionJobs;
  readonly #credentials: EphemeralCredentials;
  readonly #launch: JobLaunch;
  readonly #settings: AnsibleExecutorSettings;
  readonly #log: Logger;

  constructor(awx: AnsibleExecutorAwx, kube: KubeClient, options: AnsibleExecutorOptions = {}) {
    this.#awx = awx;
    this.#settings = parseExecutorOptions(options);
    this.#log = options.logger ?? noopLogger;
    this.#dependencies = new DependencyReader(kube);
    this.#jobs = new ExecutionJobs(awx, this.#settings);
    this.#credentials = new EphemeralCredentials(awx, this.#settings, this.#log);
    this.#launch = new JobLaunch(
      awx,
      this.#credentials,
      this.#jobs,
      this.#settings.clockSkewToleranceMs,
      this.#log,
    );
  }

  /** Unavailable, with the reason, while AWX cannot be reached or refuses the token. */
  async availability(options: OperationOptions = {}): Promise<Availability> {
    try {
      await this.#awx.me(options);
      return { available: true };
    } catch (error) {
      if (!(error instanceof AwxError)) throw error;
      return { available: false, reason: `AWX at ${this.#awx.apiUrl}: ${error.message}` };
    }
  }

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const { signal } = options;
    const operation = `create ansible execution for ${describe(wfe)}`;
    throwIfAborted(signal, operation);
    const config = parseEngineConfig(wfe);
    const identity = executionIdentity(wfe);
    const names = dependencyNames(options.dependencies);
    const template = await this.#jobs.template(config.jobTemplateName, signal);
    // A launched job is adopted whatever happened to the dependencies since.
    const existing = await this.#jobs.findLaunch(
      template.id,
      identity,
      this.#jobs.since(wfe),
      signal,
    );
    if (existing) {
      this.#log.info(
        { wfe: identity.id, template: template.id, job: existing.id },
        'adopted the AWX job an earlier create launched',
      );
      return { resourceName: awxJobRef(existing.id), warnings: [] };
    }
    const { conventions, namePrefix } = this.#settings;
    const configMaps = await this.#dependencies.configMaps(namespace, names.configMaps, signal);
    const extraVars = launchExtraVars(wfe, identity, configMaps, conventions);
    const secrets = await this.#dependencies.secrets(namespace, names.secrets, signal);
    const credentials = planCredentials(secrets, identity, namePrefix, conventions);
    const issues = promptIssues(template, credentials.length > 0);
    if (issues.length > 0) throw new ConfigurationError(issues);
    const warnings = secrets
      .filter((secret) => Object.keys(secret.data).length === 0)
      .map((secret) => `Secret ${secret.name} has no keys; nothing of it is passed to AWX`);
    throwIfAborted(signal, operation);
    return this.#launch.run({ identity, template, extraVars, credentials, warnings }, signal);
  }

  async getStatus(
    wfe: WorkflowExecution,
    _namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const { signal } = options;
    throwIfAborted(signal, `get ansible execution status of ${describe(wfe)}`);
    const job = await this.#jobs.owned(wfe, executionIdentity(wfe), signal);
    if (!job) return null;
    const tail = isJobFailed(job.status) ? await this.#stdoutTail(job, signal) : '';
    return awxJobResult(job, tail);
  }

  /**
   * Cancels this execution's job if AWX may still run it and deletes this execution's
   * credentials. The job stays in AWX's history. Idempotent; a job that belongs to another
   * execution is never touched.
   */
  async cleanup(
    wfe: WorkflowExecution,
    _namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal, `clean up ansible execution of ${describe(wfe)}`);
    const identity = executionIdentity(wfe);
    let failure: unknown;
    try {
      const job = await this.#jobs.owned(wfe, identity, signal);
      if (job && isJobActive(job.status)) {
        const outcome = await this.#awx.cancelJob(job.id, { signal });
        this.#log.info({ wfe: identity.id, job: job.id, outcome }, 'canceled AWX job');
      }
    } catch (error) {
      failure = error;
    }
    try {
      await this.#credentials.deleteAll(identity, signal);
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure;
  }

  /** The output tail adds detail to a failure; without it the failure is still reported. */
  async #stdoutTail(job: Job, signal: AbortSignal | undefined): Promise<string> {
    if (this.#settings.stdoutTailBytes === 0) return '';
    try {
      return await this.#awx.jobStdoutTail(job.id, this.#settings.stdoutTailBytes, { signal });
    } catch (error) {
      if (!(error instanceof AwxError)) throw error;
      this.#log.warn({ job: job.id, reason: error.reason }, 'could not read AWX job output');
      return '';
    }
  }
}

function describe(wfe: WorkflowExecution): string {
  return `WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name}`;
}
