import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Conventions,
  type Dependencies,
  type ExecutionResult,
  type Logger,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceEngine,
  ResourceExecutor,
  resources,
  type StatusContext,
} from '@roundhouse/kube';
import { buildJob, type JobSettings, jobEngine } from './job-spec.js';
import { isJobFinished, JobStateSchema, jobResult, PodStateSchema } from './status.js';

export interface JobExecutorOptions
  extends Partial<Omit<JobSettings, 'conventions' | 'serviceAccountName'>> {
  readonly conventions?: Conventions;
  /** Default service account for Jobs; the conventions' default when unset. */
  readonly serviceAccountName?: string;
  /** Where status reads go; pass a controller's informer cache. Default the client. */
  readonly reader?: Reader;
  readonly logger?: Logger;
}

type JobObject = KubeObject & { status?: unknown };

/** The Job engine's own part: the Job it builds and how a Job (and its pods) read. */
function jobEngineSpec(settings: JobSettings): ResourceEngine<JobObject> {
  return {
    engine: jobEngine,
    type: resources.jobs,
    build: (wfe: WorkflowExecution, namespace: string, dependencies: Dependencies | undefined) =>
      buildJob(wfe, namespace, dependencies, settings) as JobObject,
    isFinished: (job) => isJobFinished(JobStateSchema.parse(job)),
    async result(job, context: StatusContext): Promise<ExecutionResult> {
      const state = JobStateSchema.parse(job);
      const result = jobResult(state);
      if (result.phase !== 'Failed') return result;
      // Only a failure needs the pods: their terminated states say why (OOMKilled, exit code).
      const pods = await context.reader.list<KubeObject>(resources.pods, context.namespace, {
        labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata?.uid}`,
        signal: context.signal,
      });
      return jobResult(
        state,
        pods.items.map((p) => PodStateSchema.parse(p)),
      );
    },
  };
}

/**
 * The `job` engine: one batch/v1 Job per execution, named for the target's lock. Safe to call
 * again after a crash: create adopts this execution's own Job, and cleanup deletes only a Job
 * this execution owns.
 */
export class JobExecutor extends ResourceExecutor<JobObject> {
  constructor(client: KubeClient, options: JobExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    const { reader, logger, ...jobOptions } = options;
    const settings: JobSettings = {
      ...jobOptions,
      conventions,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 600,
      securityProfile: options.securityProfile ?? 'restricted',
    };
    super(client, jobEngineSpec(settings), { conventions, reader, logger });
  }

  static fromKubeConfig(config: KubeConfig, options: JobExecutorOptions = {}): JobExecutor {
    return new JobExecutor(new KubeClient(config), options);
  }
}
