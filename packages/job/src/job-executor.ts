import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Conventions,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  executionResourceName,
  type Logger,
  noopLogger,
  type OperationOptions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubeClient, type KubeObject, OwnedResources, resources } from '@roundhouse/kube';
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
  readonly #jobs: OwnedResources<JobObject>;
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
    this.#jobs = new OwnedResources<JobObject>(
      client,
      resources.jobs,
      conventions,
      (job) => isJobFinished(JobStateSchema.parse(job)),
      this.#log,
    );
  }

  static fromKubeConfig(config: KubeConfig, options: JobExecutorOptions = {}): JobExecutor {
    return new JobExecutor(new KubeClient(config), options);
  }

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const job = buildJob(wfe, namespace, options.dependencies, this.#settings) as JobObject;
    const { object, warnings } = await this.#jobs.create(wfe, namespace, job, options);
    return { resourceName: object.metadata?.name as string, warnings };
  }

  async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const job = await this.#jobs.getOwned(wfe, namespace, this.#jobName(wfe), options);
    if (!job) return null;
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
    await this.#jobs.deleteOwned(wfe, namespace, this.#jobName(wfe), options);
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
