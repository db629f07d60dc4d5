import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Availability,
  ConfigurationError,
  type Conventions,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  executionResourceName,
  isDns1123Subdomain,
  type Logger,
  noopLogger,
  type OperationOptions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  apiVersionOf,
  isKubernetesError,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  OwnedResources,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { cancelPatch, type GracefulCancel } from './cancellation.js';
import {
  buildPipelineRun,
  defaultPipelineName,
  type PipelineRunSettings,
  tektonEngine,
} from './pipeline-run-spec.js';
import {
  childTaskRuns,
  isPipelineRunFinished,
  PipelineRunStateSchema,
  pipelineRunLabel,
  pipelineRunResult,
  TaskRunStateSchema,
} from './status.js';

export interface TektonExecutorOptions
  extends Partial<Omit<PipelineRunSettings, 'conventions' | 'serviceAccountName'>> {
  readonly conventions?: Conventions;
  /** Default service account for TaskRun pods; the conventions' default when unset. */
  readonly serviceAccountName?: string;
  /**
   * The API group serving Tekton's v1 PipelineRun and TaskRun; `tekton.dev` unless a
   * Tekton-compatible API lives elsewhere. Tests use it to remove and reinstall a stand-in
   * without touching the `tekton.dev` CRDs other tests share.
   */
  readonly apiGroup?: string;
  readonly logger?: Logger;
}

export interface CancelOptions extends OperationOptions {
  /** Let `finally` tasks run (`cancel`), or also let running tasks finish (`stop`). */
  readonly graceful?: GracefulCancel;
}

type PipelineRunObject = KubeObject & { status?: unknown };

/**
 * The `tekton` engine: one tekton.dev/v1 PipelineRun per execution, named for the target's
 * lock, resolving its Pipeline from the execution bundle. Safe to call again after a crash:
 * create adopts this execution's own PipelineRun, and cancel and cleanup touch only a
 * PipelineRun this execution owns.
 */
export class TektonExecutor implements Executor {
  readonly engine = tektonEngine;
  readonly #client: KubeClient;
  readonly #pipelineRunType: ResourceType;
  readonly #taskRunType: ResourceType;
  readonly #pipelineRuns: OwnedResources<PipelineRunObject>;
  readonly #settings: PipelineRunSettings;
  readonly #log: Logger;

  constructor(client: KubeClient, options: TektonExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    const pipelineName = options.pipelineName ?? defaultPipelineName;
    if (!isDns1123Subdomain(pipelineName)) {
      throw new ConfigurationError({
        path: 'pipelineName',
        message: `"${pipelineName}" is not a valid Pipeline name (lowercase DNS-1123 subdomain)`,
      });
    }
    const group = options.apiGroup ?? resources.pipelineRuns.group;
    this.#client = client;
    this.#log = options.logger ?? noopLogger;
    this.#pipelineRunType = Object.freeze({ ...resources.pipelineRuns, group });
    this.#taskRunType = Object.freeze({ ...resources.taskRuns, group });
    this.#settings = {
      conventions,
      pipelineName,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      podSecurityContext: options.podSecurityContext,
    };
    this.#pipelineRuns = new OwnedResources<PipelineRunObject>(
      client,
      this.#pipelineRunType,
      conventions,
      (run) => isPipelineRunFinished(PipelineRunStateSchema.parse(run)),
      this.#log,
    );
  }

  static fromKubeConfig(config: KubeConfig, options: TektonExecutorOptions = {}): TektonExecutor {
    return new TektonExecutor(new KubeClient(config), options);
  }

  /** Unavailable, with the reason, while the cluster does not serve the PipelineRun API. */
  async availability(options: OperationOptions = {}): Promise<Availability> {
    if (await this.#client.isServed(this.#pipelineRunType, options)) return { available: true };
    const type = this.#pipelineRunType;
    return {
      available: false,
      reason: `the ${apiVersionOf(type)} ${type.kind} API (${type.plural}.${type.group}) is not served by this cluster; install Tekton Pipelines`,
    };
  }

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const run = {
      ...buildPipelineRun(wfe, namespace, options.dependencies, this.#settings),
      apiVersion: apiVersionOf(this.#pipelineRunType),
    };
    const { object, warnings } = await this.#pipelineRuns.create(wfe, namespace, run, options);
    return { resourceName: object.metadata?.name as string, warnings };
  }

  async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const name = this.#runName(wfe);
    const run = await this.#pipelineRuns.getOwned(wfe, namespace, name, options);
    if (!run) return null;
    const state = PipelineRunStateSchema.parse(run);
    if (childTaskRuns(state).length === 0) return pipelineRunResult(state);
    const taskRuns = await this.#client.list<KubeObject>(this.#taskRunType, namespace, {
      labelSelector: `${pipelineRunLabel}=${name}`,
      signal: options.signal,
    });
    return pipelineRunResult(
      state,
      taskRuns.items.map((t) => TaskRunStateSchema.parse(t)),
    );
  }

  /**
   * Asks Tekton to stop this execution's PipelineRun by setting `spec.status`. Returns false
   * when there is nothing of this execution's to stop: the PipelineRun is gone or belongs to
   * another WorkflowExecution.
   */
  async cancel(
    wfe: WorkflowExecution,
    namespace: string,
    options: CancelOptions = {},
  ): Promise<boolean> {
    const name = this.#runName(wfe);
    const run = await this.#pipelineRuns.getOwned(wfe, namespace, name, options);
    if (!run) return false;
    try {
      await this.#client.patch(
        this.#pipelineRunType,
        namespace,
        name,
        cancelPatch(options.graceful, run.metadata?.uid as string),
        { strategy: 'merge', signal: options.signal },
      );
    } catch (error) {
      if (isKubernetesError(error, 'NotFound') || isReplaced(error)) return false;
      throw error;
    }
    this.#log.info(
      { namespace, pipelineRun: name, wfe: wfe.metadata.name, graceful: options.graceful },
      'requested PipelineRun cancellation',
    );
    return true;
  }

  async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    await this.#pipelineRuns.deleteOwned(wfe, namespace, this.#runName(wfe), options);
  }

  #runName(wfe: WorkflowExecution): string {
    return (
      wfe.status?.executionRef?.name ??
      executionResourceName(wfe.spec.targetResource, this.#settings.conventions.namePrefix)
    );
  }
}

/** The API server's answer to a patch whose uid is not the object's: the run was replaced. */
function isReplaced(error: unknown): boolean {
  return (
    error instanceof KubernetesApiError &&
    error.reason === 'Invalid' &&
    error.causes.some((c) => c.field === 'metadata.uid')
  );
}
