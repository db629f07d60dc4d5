import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Conventions,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  executionResourceName,
  isKubernetesError,
  isOwnedBy,
  type Logger,
  noopLogger,
  type OperationOptions,
  ownerFromLabels,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  roundhouseConventions,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { buildJob, type JobSettings, jobEngine } from './job-spec.js';
import { isJobFinished, JobStateSchema, jobResult, PodStateSchema } from './status.js';

export interface JobExecutorOptions
  extends Partial<Omit<JobSettings, 'conventions' | 'serviceAccountName'>> {
  readonly conventions?: Conventions;
  /** Default service account for Jobs; the conventions' default when unset. */
  readonly serviceAccountName?: string;
  readonly logger?: Logger;
}

type JobObject = KubeObject & { status?: unknown };

/**
 * The `job` engine: one batch/v1 Job per execution, named for the target's lock. Safe to call
 * again after a crash: create adopts this execution's own Job, and cleanup deletes only a Job
 * this execution owns.
 */
export class JobExecutor implements Executor {
  readonly engine = jobEngine;
  readonly #client: KubeClient;
  readonly #settings: JobSettings;
  readonly #log: Logger;

  constructor(client: KubeClient, options: JobExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    this.#client = client;
    this.#log = options.logger ?? noopLogger;
    this.#settings = {
      ...options,
      conventions,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 600,
      securityProfile: options.securityProfile ?? 'restricted',
    };
  }

  static fromKubeConfig(config: KubeConfig, options: JobExecutorOptions = {}): JobExecutor {
    return new JobExecutor(new KubeClient(config), options);
  }

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const job = buildJob(wfe, namespace, options.dependencies, this.#settings);
    const name = job.metadata?.name as string;
    throwIfAborted(options.signal, `create Job ${namespace}/${name}`);
    try {
      const { warnings } = await this.#client.create(
        resources.jobs,
        namespace,
        job as KubeObject,
        options,
      );
      this.#log.info({ namespace, job: name, wfe: wfe.metadata.name }, 'created Job');
      return { resourceName: name, warnings };
    } catch (error) {
      if (!isKubernetesError(error, 'AlreadyExists')) throw error;
    }
    await this.#adoptOrRefuse(wfe, namespace, name, options);
    this.#log.info({ namespace, job: name, wfe: wfe.metadata.name }, 'adopted existing Job');
    return { resourceName: name, warnings: [] };
  }

  /**
   * Decides what an existing Job at the lock name means: ours (a retried create) is adopted;
   * another execution's is a lock error, telling a running owner from a finished one.
   */
  async #adoptOrRefuse(
    wfe: WorkflowExecution,
    namespace: string,
    name: string,
    options: OperationOptions,
  ): Promise<void> {
    const existing = await this.#client.get<JobObject>(resources.jobs, namespace, name, options);
    const owner = ownerFromLabels(existing?.metadata?.labels, this.#settings.conventions);
    if (!existing) {
      // Deleted between our create and this read: a cleanup is in flight. Let the caller retry.
      throw new PreviousExecutionNotCleanedError(name, owner);
    }
    const finished = isJobFinished(JobStateSchema.parse(existing));
    if (existing.metadata?.deletionTimestamp)
      throw new PreviousExecutionNotCleanedError(name, owner);
    if (isOwnedBy(existing.metadata?.labels, wfe, this.#settings.conventions)) return;
    if (finished) throw new PreviousExecutionNotCleanedError(name, owner);
    throw new ResourceLockedError(name, owner);
  }

  async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const name = this.#jobName(wfe);
    throwIfAborted(options.signal, `get Job ${namespace}/${name}`);
    const job = await this.#client.get<JobObject>(resources.jobs, namespace, name, options);
    // A Job at the lock name that another execution owns is not this execution's resource.
    if (!job || !isOwnedBy(job.metadata?.labels, wfe, this.#settings.conventions)) return null;
    const state = JobStateSchema.parse(job);
    const result = jobResult(state);
    if (result.phase !== 'Failed') return result;
    const pods = await this.#client.list<KubeObject>(resources.pods, namespace, {
      labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata?.uid}`,
      signal: options.signal,
    });
    return jobResult(
      state,
      pods.items.map((p) => PodStateSchema.parse(p)),
    );
  }

  async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const name = this.#jobName(wfe);
    throwIfAborted(options.signal, `delete Job ${namespace}/${name}`);
    const job = await this.#client.get<JobObject>(resources.jobs, namespace, name, options);
    if (!job) return;
    if (!isOwnedBy(job.metadata?.labels, wfe, this.#settings.conventions)) {
      this.#log.info(
        { namespace, job: name, wfe: wfe.metadata.name, owner: job.metadata?.labels },
        'not deleting Job owned by another WorkflowExecution',
      );
      return;
    }
    try {
      // The uid precondition stops us deleting a newer Job that took the name after our read.
      await this.#client.delete(resources.jobs, namespace, name, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata?.uid as string },
        signal: options.signal,
      });
      this.#log.info({ namespace, job: name, wfe: wfe.metadata.name }, 'deleted Job');
    } catch (error) {
      if (!isKubernetesError(error, 'Conflict')) throw error;
    }
  }

  /**
   * Whether a finished Job holds the target's lock, for callers that clear a stale Job (after
   * a cooldown) before creating a new execution. False when there is no Job or it still runs.
   */
  async isFinished(
    targetResource: string,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<boolean> {
    const name = executionResourceName(targetResource, this.#settings.conventions.namePrefix);
    const job = await this.#client.get<JobObject>(resources.jobs, namespace, name, options);
    return job !== null && isJobFinished(JobStateSchema.parse(job));
  }

  #jobName(wfe: WorkflowExecution): string {
    return (
      wfe.status?.executionRef?.name ??
      executionResourceName(wfe.spec.targetResource, this.#settings.conventions.namePrefix)
    );
  }
}
