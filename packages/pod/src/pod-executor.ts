import {
  type Conventions,
  type Logger,
  type OperationOptions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  type ClusterConfig,
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceEngine,
  ResourceExecutor,
  resources,
} from '@roundhouse/kube';
import { buildPod, type PodEngineSettings, podEngine } from './pod-spec.js';
import { isPodFinished, type PodExecutionState, podExecutionState } from './status.js';
import { PodStateSchema } from './steps.js';

export interface PodExecutorOptions
  extends Partial<Omit<PodEngineSettings, 'conventions' | 'serviceAccountName' | 'allowedImages'>> {
  readonly conventions?: Conventions;
  /** Default service account for Pods; the conventions' default when unset. */
  readonly serviceAccountName?: string;
  /** Images steps may run (see `PodEngineSettings.allowedImages`); default none. */
  readonly allowedImages?: readonly string[];
  /** Where status reads go; pass a controller's informer cache. Default the client. */
  readonly reader?: Reader;
  /**
   * How long a step may wait with a cause that will not pass (ImagePullBackOff,
   * CreateContainerConfigError) before the execution fails with it. Default 15 s.
   */
  readonly startupGraceMs?: number;
  readonly logger?: Logger;
}

/** `startupGraceMs` when none is given: the job engine's grace for a Job's pod. */
export const defaultStartupGraceMs = 15_000;

/** A Pod's state and where it stands, for callers that show more than the ExecutionResult. */
export interface PodExecutionStatus extends PodExecutionState {
  readonly podName: string;
  /** The Pod's creationTimestamp: when the execution started, as the API server recorded it. */
  readonly createdAt?: string | undefined;
}

type PodObject = KubeObject & { spec?: unknown; status?: unknown };

function podEngineSpec(
  settings: PodEngineSettings,
  startupGraceMs: number,
): ResourceEngine<PodObject> {
  return {
    engine: podEngine,
    type: resources.pods,
    build: (wfe, namespace, dependencies) =>
      buildPod(wfe, namespace, dependencies, settings) as PodObject,
    isFinished: (pod) => isPodFinished(PodStateSchema.parse(pod)),
    result: async (pod) =>
      podExecutionState(PodStateSchema.parse(pod), { now: new Date(), startupGraceMs }).result,
  };
}

/**
 * The `pod` engine: one Pod per execution running the steps in
 * `spec.workflowRef.engineConfig`, named for the target's lock. Safe to call again after a
 * crash: create adopts this execution's own Pod, and cleanup deletes only a Pod it owns.
 */
export class PodExecutor extends ResourceExecutor<PodObject> {
  readonly #startupGraceMs: number;

  constructor(client: KubeClient, options: PodExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    const { reader, logger, startupGraceMs, ...podOptions } = options;
    const settings: PodEngineSettings = {
      ...podOptions,
      conventions,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      securityProfile: options.securityProfile ?? 'restricted',
      allowedImages: options.allowedImages ?? [],
      ownerReference: options.ownerReference ?? false,
    };
    const grace = startupGraceMs ?? defaultStartupGraceMs;
    super(client, podEngineSpec(settings, grace), { conventions, reader, logger });
    this.#startupGraceMs = grace;
  }

  static fromKubeConfig(config: ClusterConfig, options: PodExecutorOptions = {}): PodExecutor {
    return new PodExecutor(new KubeClient(config), options);
  }

  /**
   * The execution's result with every step's status (which is running, which failed with what
   * exit code, when each started and finished), or `null` when its Pod no longer exists.
   */
  async getStepStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<PodExecutionStatus | null> {
    const object = await this.owned.getOwned(wfe, namespace, this.resourceName(wfe), options);
    if (!object) return null;
    const pod = PodStateSchema.parse(object);
    const state = podExecutionState(pod, {
      now: new Date(),
      startupGraceMs: this.#startupGraceMs,
    });
    return {
      ...state,
      podName: object.metadata?.name as string,
      createdAt: pod.metadata?.creationTimestamp,
    };
  }
}
