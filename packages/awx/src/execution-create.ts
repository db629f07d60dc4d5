import { randomUUID } from 'node:crypto';
import {
  type CreateOptions,
  type CreateResult,
  type Logger,
  preparedExecution,
  requestedServiceAccount,
  serviceAccountField,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import { CreateAttempt, rollBack } from './create-attempt.js';
import { planCredentials } from './credential-plan.js';
import { dependencyNames } from './dependencies.js';
import type { DependencyReader } from './dependency-reader.js';
import { parseEngineConfig } from './engine-config.js';
import type { EphemeralCredentials } from './ephemeral-credentials.js';
import {
  LaunchUnresolvedError,
  LockLostError,
  SlicedLaunchFoundError,
} from './execution-errors.js';
import { type ExecutionIdentity, executionIdentity } from './execution-identity.js';
import { adoptedJobKind, awxJobRef, type ExecutionJobs } from './execution-jobs.js';
import type { ExecutionLock } from './execution-lock.js';
import type { AnsibleExecutorSettings } from './executor-options.js';
import { launchVariables } from './extra-vars-plan.js';
import { type JobLaunch, slicedLaunchFailure, verifyJobCredentials } from './job-launch.js';
import type { KubernetesApiAccess } from './kubernetes-api-access.js';
import { checkLaunch } from './launch-check.js';
import { launchDeadline } from './launch-record.js';
import { executionTimeoutMs } from './launch-timeout.js';
import { withinBound } from './operation-bound.js';
import { endSlicedWorkflow, type SlicedWorkflowCanceler } from './sliced-workflow.js';
import type { TemplateCatalog } from './template-catalog.js';
import { enforceJobTemplatePolicy } from './template-policy.js';

export interface ExecutionCreateParts {
  readonly awx: SlicedWorkflowCanceler;
  readonly lock: Pick<ExecutionLock, 'claim' | 'write' | 'release'>;
  readonly catalog: TemplateCatalog;
  readonly jobs: ExecutionJobs;
  readonly credentials: EphemeralCredentials;
  readonly dependencies: Pick<DependencyReader, 'configMaps' | 'secrets'>;
  readonly launch: JobLaunch;
  /** Set when jobs get the Kubernetes API (`kubernetesApi`). */
  readonly kubernetesApi: KubernetesApiAccess | undefined;
}

/**
 * `create` of the ansible engine. The lock comes first, before anything in AWX: it refuses
 * another execution on the target, makes concurrent creates of one execution take turns, and
 * holds the launch record, so a create that follows a crash or a lost answer picks up where
 * the last one stopped instead of launching again.
 */
export class ExecutionCreate {
  readonly #parts: ExecutionCreateParts;
  readonly #settings: AnsibleExecutorSettings;
  readonly #log: Logger;

  constructor(parts: ExecutionCreateParts, settings: AnsibleExecutorSettings, log: Logger) {
    this.#parts = parts;
    this.#settings = settings;
    this.#log = log;
  }

  /** Ends within `operationTimeoutMs`, and undoes what it made within as long again. */
  run(
    execution: WorkflowExecution,
    namespace: string,
    options: CreateOptions,
  ): Promise<CreateResult> {
    const { namespace: wfeNamespace, name } = execution.metadata;
    return withinBound(
      `create of ansible execution for WorkflowExecution ${wfeNamespace}/${name}`,
      this.#settings.operationTimeoutMs,
      options.signal,
      (signal) => this.#run(execution, namespace, options, signal),
    );
  }

  async #run(
    execution: WorkflowExecution,
    namespace: string,
    options: CreateOptions,
    signal: AbortSignal,
  ): Promise<CreateResult> {
    // spec.timesOutAt is counted from the executor's clock, as every deadline it keeps is.
    const declared = preparedExecution(execution, options, new Date(this.#settings.now()));
    const wfe = declared.wfe;
    throwIfAborted(
      signal,
      `create ansible execution for ${wfe.metadata.namespace}/${wfe.metadata.name}`,
    );
    // Everything that can be refused without asking anyone is refused before the lock is taken.
    const config = parseEngineConfig(wfe);
    enforceJobTemplatePolicy(config.jobTemplateName, this.#settings.allowedJobTemplates);
    const names = dependencyNames(options.dependencies);
    const timeoutMs = executionTimeoutMs(wfe);
    const identity = executionIdentity(wfe);
    const { lock } = this.#parts;
    const id = randomUUID();
    const attempt = new CreateAttempt(
      lock,
      await lock.claim(wfe, namespace, id, signal),
      id,
      this.#settings.now,
    );
    try {
      const earlier = await this.#earlierLaunch(attempt, identity, config.jobTemplateName, signal);
      if (earlier) return earlier;
      const { catalog, dependencies } = this.#parts;
      const read = await catalog.template(config.jobTemplateName, signal);
      const configMaps = await dependencies.configMaps(namespace, names.configMaps, signal);
      const variables = launchVariables(wfe, identity, configMaps, this.#settings.conventions);
      const secrets = await dependencies.secrets(namespace, names.secrets, signal);
      const { namePrefix, conventions } = this.#settings;
      const secretCredentials = planCredentials(secrets, identity, namePrefix, conventions);
      const withCredentials =
        secretCredentials.length > 0 || this.#parts.kubernetesApi !== undefined;
      // Types the extra_vars for the template's survey, and refuses what AWX would not take.
      const { template, extraVars } = await checkLaunch(
        catalog,
        read,
        variables,
        withCredentials,
        signal,
      );
      // No token for a launch refused above; and before anything is created in AWX, so a
      // missing type or ServiceAccount leaves nothing there.
      const kubernetes = await this.#parts.kubernetesApi?.plan(
        wfe,
        namespace,
        identity,
        timeoutMs,
        signal,
      );
      const credentials = [...secretCredentials, ...(kubernetes ? [kubernetes.plan] : [])];
      const warnings = [
        ...declared.warnings,
        ...(kubernetes?.warnings ?? []),
        ...unusedFields(wfe, kubernetes !== undefined),
        ...secrets
          .filter((secret) => Object.keys(secret.data).length === 0)
          .map((secret) => `Secret ${secret.name} has no keys; nothing of it is passed to AWX`),
      ];
      const injected = {
        secrets: secrets.map((s) => ({ name: s.name, resourceVersion: s.resourceVersion ?? '' })),
        kubernetesToken: kubernetes !== undefined,
      };
      const plan = { identity, variables, extraVars, credentials, injected, timeoutMs, warnings };
      return await this.#parts.launch.run(attempt, plan, template, signal);
    } catch (error) {
      // Its own bound: the create's may be what ran out, and the undo must still get its turn.
      const claim = await withinBound(
        `undo of a failed create for ${identity.id}`,
        this.#settings.operationTimeoutMs,
        undefined,
        (undo) => rollBack(attempt, error, identity, { ...this.#parts, log: this.#log }, undo),
      );
      // Whatever went wrong, a create that was taken over must not fail the execution: the
      // one that took over carries on, and a retry of this one adopts its result.
      if (claim === 'lost' && !(error instanceof LockLostError)) {
        throw new LockLostError(attempt.lockName, { cause: error });
      }
      throw error;
    }
  }

  /**
   * What an earlier create of this execution left in the record: a job, adopted once it is
   * checked to still have its credentials; a canceled workflow job, waited for until it has
   * ended (WorkflowJobCancelingError meanwhile, and nothing launched); or a launch whose answer
   * was lost, whose job is looked for until the launch commit window closes
   * (LaunchUnresolvedError meanwhile, and nothing launched). A sliced job found for it fails
   * the create as a launch that sliced does, its workflow job left to the rollback to cancel. `undefined` when there is nothing,
   * or the window closed without a job: then the earlier launch is taken as never made, and this
   * create launches.
   */
  async #earlierLaunch(
    attempt: CreateAttempt,
    identity: ExecutionIdentity,
    templateName: string,
    signal: AbortSignal | undefined,
  ): Promise<CreateResult | undefined> {
    const { record } = attempt;
    const launched = [record.job, record.launchedAt, record.workflowJob];
    if (launched.every((v) => v === undefined)) return undefined;
    // A job may exist from here on: a failure must leave its credentials alone.
    attempt.stage = 'launching';
    if (record.workflowJob !== undefined) {
      // The earlier launch made a workflow job and no job; once it has ended, launch anew.
      await endSlicedWorkflow(this.#parts.awx, record.workflowJob, { signal });
      await attempt.write({ workflowJob: undefined, launchedAt: undefined }, signal);
      attempt.stage = 'preparing';
      return undefined;
    }
    const job = await this.#parts.jobs
      .recorded(record, identity, signal)
      .catch((found: unknown) => {
        if (!(found instanceof SlicedLaunchFoundError)) throw found;
        const template = { id: record.template as number, name: templateName };
        throw slicedLaunchFailure(attempt, template, found.workflowJob, found);
      });
    if (job) {
      attempt.stage = 'launched';
      attempt.job = job.id;
      verifyJobCredentials(job, record.credentials);
      await attempt.finish({ job: job.id }, signal);
      this.#log.info(
        { wfe: identity.id, job: job.id },
        'adopted the AWX job an earlier create launched',
      );
      // Reported as adopted (AWXJobCreated, "already exists"), its start counted from when AWX
      // created it: the adoption may come long after, past a controller's crash.
      return {
        resourceName: awxJobRef(job.id),
        warnings: [],
        adoptedKind: adoptedJobKind,
        createdAt: job.created,
      };
    }
    if (record.job !== undefined) {
      // Launched, and gone from AWX since (deleted from the job history): status reads it as
      // deleted, which is what happened; launching again would run the workflow twice.
      await attempt.finish({}, signal);
      return { resourceName: awxJobRef(record.job), warnings: [] };
    }
    const until = launchDeadline(record, this.#settings.launchCommitWindowMs) as number;
    if (this.#settings.now() < until) {
      throw new LaunchUnresolvedError(
        record.template,
        record.launchedAt as string,
        new Date(until).toISOString(),
      );
    }
    attempt.stage = 'preparing';
    this.#log.warn(
      { wfe: identity.id, launchedAt: record.launchedAt },
      'no AWX job appeared for a launch whose answer was lost within the commit window; launching again',
    );
    return undefined;
  }
}

/**
 * Fields of the execution AWX has no use for, said rather than dropped in silence: the job runs
 * with the template's own credentials and execution environment, not in a container this engine
 * sizes, and as a ServiceAccount of the cluster only when it is given the Kubernetes API.
 */
function unusedFields(wfe: WorkflowExecution, kubernetesApi: boolean): string[] {
  return [
    ...(requestedServiceAccount(wfe) && !kubernetesApi
      ? [
          `${serviceAccountField(wfe)} is not used by the ansible engine: AWX runs the job with the template's credentials`,
        ]
      : []),
    ...(wfe.spec.workflowRef.resources
      ? [
          "spec.workflowRef.resources is not used by the ansible engine: the job runs in AWX's execution environment",
        ]
      : []),
  ];
}
