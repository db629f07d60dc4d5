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
import { type KubeClient, type ResourceType, resources } from '@roundhouse/kube';
import type { AwxClient } from './awx-client.js';
import { AwxApiError, AwxError, AwxLookupError } from './awx-errors.js';
import {
  type CredentialPlan,
  decodeSecretData,
  ephemeralCredentialPrefix,
  launchCredentials,
  matchesCredentialType,
  planCredentials,
  type SecretValues,
  versionedCredentialType,
} from './credential-plan.js';
import { DependencyObjectSchema, dependencyNames } from './dependencies.js';
import { jobTemplateNamePath, parseEngineConfig } from './engine-config.js';
import {
  type ExecutionIdentity,
  executionIdentity,
  isJobOf,
  isLaunchOf,
} from './execution-identity.js';
import {
  type AnsibleExecutorOptions,
  type AnsibleExecutorSettings,
  parseExecutorOptions,
} from './executor-options.js';
import type { ExtraVars } from './extra-vars.js';
import { type ConfigMapValues, launchExtraVars } from './extra-vars-plan.js';
import { ignoredFieldIssues, promptIssues } from './launch-prompts.js';
import type {
  Credential,
  CredentialType,
  CredentialTypeRequest,
  Job,
  JobTemplate,
} from './schemas.js';
import { awxJobResult, isJobActive, isJobFailed } from './status.js';

/** The engine name, matched against `spec.executionEngine`. */
export const ansibleEngine = 'ansible';

/** The AWX operations the executor uses; an AwxClient, or a wrapper around one in tests. */
export type AwxApi = Pick<
  AwxClient,
  | 'apiUrl'
  | 'me'
  | 'findJobTemplate'
  | 'templateCredentials'
  | 'launch'
  | 'getJob'
  | 'findJob'
  | 'jobStdoutTail'
  | 'cancelJob'
  | 'findCredentialType'
  | 'createCredentialType'
  | 'listCredentials'
  | 'createCredential'
  | 'deleteCredential'
>;

const jobRefPattern = /^awx-job-([1-9][0-9]*)$/;

/** `executionRef.name` of an execution: `awx-job-<id>`, as kubernaut writes it. */
export function awxJobRef(id: number): string {
  return `awx-job-${id}`;
}

interface Launched {
  readonly id: number;
  readonly ignoredFields: Readonly<Record<string, unknown>>;
  readonly adopted: boolean;
}

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
  readonly #awx: AwxApi;
  readonly #kube: KubeClient;
  readonly #settings: AnsibleExecutorSettings;
  readonly #log: Logger;

  constructor(awx: AwxApi, kube: KubeClient, options: AnsibleExecutorOptions = {}) {
    this.#awx = awx;
    this.#kube = kube;
    this.#settings = parseExecutorOptions(options);
    this.#log = options.logger ?? noopLogger;
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
    const template = await this.#jobTemplate(config.jobTemplateName, signal);
    // A launched job is adopted whatever happened to the dependencies since.
    const existing = await this.#findLaunch(template.id, identity, this.#since(wfe), signal);
    if (existing) {
      this.#log.info(
        { wfe: identity.id, template: template.id, job: existing.id },
        'adopted the AWX job an earlier create launched',
      );
      return { resourceName: awxJobRef(existing.id), warnings: [] };
    }
    const configMaps = await this.#readConfigMaps(namespace, names.configMaps, signal);
    const extraVars = launchExtraVars(wfe, identity, configMaps, this.#settings.conventions);
    const secrets = await this.#readSecrets(namespace, names.secrets, signal);
    const plans = planCredentials(
      secrets,
      identity,
      this.#settings.namePrefix,
      this.#settings.conventions,
    );
    const issues = promptIssues(template, plans.length > 0);
    if (issues.length > 0) throw new ConfigurationError(issues);
    const warnings = secrets
      .filter((secret) => Object.keys(secret.data).length === 0)
      .map((secret) => `Secret ${secret.name} has no keys; nothing of it is passed to AWX`);
    throwIfAborted(signal, operation);
    return this.#launchWithCredentials(identity, template, extraVars, plans, warnings, signal);
  }

  async getStatus(
    wfe: WorkflowExecution,
    _namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const { signal } = options;
    throwIfAborted(signal, `get ansible execution status of ${describe(wfe)}`);
    const job = await this.#ownedJob(wfe, executionIdentity(wfe), signal);
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
      const job = await this.#ownedJob(wfe, identity, signal);
      if (job && isJobActive(job.status)) {
        const outcome = await this.#awx.cancelJob(job.id, { signal });
        this.#log.info({ wfe: identity.id, job: job.id, outcome }, 'canceled AWX job');
      }
    } catch (error) {
      failure = error;
    }
    try {
      await this.#deleteCredentials(identity, signal);
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Creates the credentials and launches. Any failure deletes every credential of this
   * execution (found by name, so one whose create answer was lost goes too) and cancels a job
   * whose launch AWX partly ignored, before the error is thrown.
   */
  async #launchWithCredentials(
    identity: ExecutionIdentity,
    template: JobTemplate,
    extraVars: ExtraVars,
    plans: readonly CredentialPlan[],
    warnings: string[],
    signal: AbortSignal | undefined,
  ): Promise<CreateResult> {
    const operation = `create ansible execution for ${identity.id}`;
    let launched: Launched | undefined;
    try {
      // Left by an earlier create that stopped before launching; their values may be stale.
      await this.#deleteCredentials(identity, signal);
      const ephemeral: Credential[] = [];
      for (const plan of plans) {
        const type = await this.#credentialType(plan, signal);
        throwIfAborted(signal, operation);
        const credential = await this.#awx.createCredential(
          {
            ...plan.credential,
            organization: this.#settings.organizationId,
            credential_type: type.id,
          },
          { signal },
        );
        this.#log.info(
          { wfe: identity.id, credential: credential.id, name: credential.name, type: type.name },
          'created ephemeral AWX credential',
        );
        ephemeral.push(credential);
      }
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
      { wfe: identity.id, template: template.id, job: launched.id, credentials: plans.length },
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
      const since = new Date(startedAt - this.#settings.clockSkewToleranceMs);
      const job = await this.#findLaunch(template.id, identity, since, signal);
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
      await this.#deleteCredentials(identity, undefined);
    } catch (error) {
      this.#log.warn(
        { wfe: identity.id, reason: reasonOf(error) },
        'could not delete the credentials of a failed create; cleanup deletes them by name',
      );
    }
  }

  /** Deletes every credential named for this execution in the configured organization. */
  async #deleteCredentials(identity: ExecutionIdentity, signal: AbortSignal | undefined) {
    const prefix = ephemeralCredentialPrefix(this.#settings.namePrefix, identity);
    const found = await this.#awx.listCredentials(
      { nameStartsWith: prefix, organization: this.#settings.organizationId },
      { signal },
    );
    // Checked here too: a server that ignored the filter must not lead to deleting others'.
    for (const credential of found.filter((c) => c.name.startsWith(prefix))) {
      const deleted = await this.#awx.deleteCredential(credential.id, { signal });
      if (deleted) {
        this.#log.info(
          { wfe: identity.id, credential: credential.id, name: credential.name },
          'deleted ephemeral AWX credential',
        );
      }
    }
  }

  /**
   * A credential type injecting exactly this Secret's keys: the base-named one if it matches,
   * else the one named for the Secret's shape, created when missing. A type is never changed,
   * since running jobs and other executions may use it.
   */
  async #credentialType(plan: CredentialPlan, signal: AbortSignal | undefined) {
    for (const wanted of [plan.type, versionedCredentialType(plan.type)]) {
      const existing = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
      if (existing) {
        if (matchesCredentialType(existing, wanted)) return existing;
        continue;
      }
      return this.#createCredentialType(wanted, signal);
    }
    throw new ConfigurationError({
      path: 'dependencies.secrets',
      message:
        `AWX credential types "${plan.type.name}" and "${versionedCredentialType(plan.type).name}" ` +
        `both exist with other inputs than Secret ${plan.secretName} has; delete the second`,
    });
  }

  async #createCredentialType(
    wanted: CredentialTypeRequest,
    signal: AbortSignal | undefined,
  ): Promise<CredentialType> {
    try {
      const created = await this.#awx.createCredentialType(wanted, { signal });
      this.#log.info(
        { credentialType: created.id, name: created.name },
        'created AWX credential type',
      );
      return created;
    } catch (error) {
      // Another execution may have created it since we looked (AWX refuses the duplicate name).
      if (!(error instanceof AwxApiError) || error.statusCode !== 400) throw error;
      const raced = await this.#awx.findCredentialType(wanted.name, wanted.kind, { signal });
      if (raced && matchesCredentialType(raced, wanted)) return raced;
      throw error;
    }
  }

  async #jobTemplate(name: string, signal: AbortSignal | undefined): Promise<JobTemplate> {
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
  async #ownedJob(
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
    return this.#findLaunch(template.id, identity, this.#since(wfe), signal);
  }

  async #findLaunch(
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
  #since(wfe: WorkflowExecution): Date {
    const created = Date.parse(String(wfe.metadata.creationTimestamp ?? ''));
    const from = Number.isNaN(created) ? Date.now() - this.#settings.lookbackMs : created;
    return new Date(from - this.#settings.clockSkewToleranceMs);
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

  async #readConfigMaps(
    namespace: string,
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<ConfigMapValues[]> {
    const values: ConfigMapValues[] = [];
    for (const [index, name] of names.entries()) {
      const object = await this.#readDependency(
        resources.configMaps,
        namespace,
        name,
        index,
        signal,
      );
      values.push({ name, data: object.data ?? {} });
    }
    return values;
  }

  async #readSecrets(
    namespace: string,
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<SecretValues[]> {
    const values: SecretValues[] = [];
    for (const [index, name] of names.entries()) {
      const object = await this.#readDependency(resources.secrets, namespace, name, index, signal);
      values.push({ name, data: decodeSecretData(name, index, object.data) });
    }
    return values;
  }

  async #readDependency(
    type: ResourceType,
    namespace: string,
    name: string,
    index: number,
    signal: AbortSignal | undefined,
  ) {
    const object = await this.#kube.get(type, namespace, name, { signal });
    const kind = type === resources.secrets ? 'secrets' : 'configMaps';
    if (!object) {
      throw new ConfigurationError({
        path: `dependencies.${kind}[${index}].name`,
        message: `${type.kind} ${name} does not exist in namespace ${namespace}`,
      });
    }
    return DependencyObjectSchema.parse(object);
  }
}

function describe(wfe: WorkflowExecution): string {
  return `WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name}`;
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
  const refusal = new ConfigurationError(
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
  return refusal;
}
