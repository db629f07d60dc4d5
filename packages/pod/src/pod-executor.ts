import {
  type AdoptOptions,
  type Conventions,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  isOwnedBy,
  type Logger,
  type OperationOptions,
  PreviousExecutionNotCleanedError,
  roundhouseConventions,
  type StatusOptions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { readMountFailure, withMountFailure } from '@roundhouse/job';
import {
  type ClusterConfig,
  deleteAsRead,
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceEngine,
  ResourceExecutor,
  removeFinalizerAsRead,
  resources,
  type StatusContext,
} from '@roundhouse/kube';
import { podCreateRefusal } from './create-refusal.js';
import { podLogSources } from './log-sources.js';
import { cachedPod } from './pod-cache.js';
import { stoppedByDeletion } from './pod-deletion.js';
import { buildPod, keepsResult, type PodEngineSettings, podEngine } from './pod-spec.js';
import { ReleasedPods } from './released-pods.js';
import { podResultFinalizer } from './result-finalizer.js';
import { isPodFinished, type PodExecutionState, podExecutionState } from './status.js';
import { PodStateSchema, type StepStatus } from './steps.js';
import { podWatchSelector } from './watch-selector.js';

export interface PodExecutorOptions
  extends Partial<Omit<PodEngineSettings, 'conventions' | 'serviceAccountName' | 'allowedImages'>> {
  readonly conventions?: Conventions | undefined;
  /** Default service account for Pods; the conventions' default when unset. */
  readonly serviceAccountName?: string | undefined;
  /** Images steps may run (see `PodEngineSettings.allowedImages`); default none. */
  readonly allowedImages?: readonly string[] | undefined;
  /** Where status reads go; pass a controller's informer cache. Default the client. */
  readonly reader?: Reader | undefined;
  /**
   * How long a step may wait with a cause that will not pass (ImagePullBackOff,
   * CreateContainerConfigError) before the execution fails with it, counted from when it began
   * waiting (the end of the step before it, else when the kubelet took the Pod). Default 15 s.
   */
  readonly startupGraceMs?: number | undefined;
  readonly logger?: Logger | undefined;
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

/**
 * When the Pod's last step to start started: a kubelet warning up to then (a Secret mounted at
 * the third try, an image pulled after a back-off) is about a wait that ended, and one of a step
 * that never started comes after the start of the step before it. A step still waiting says why
 * in its own status.
 */
function lastStart(steps: readonly StepStatus[]): string | undefined {
  let latest: string | undefined;
  for (const { startedAt } of steps) {
    if (startedAt && !(Date.parse(startedAt) <= Date.parse(latest ?? ''))) latest = startedAt;
  }
  return latest;
}

/**
 * The Pod's state; a failure in which no step exited with a code (the deadline passed while the
 * pod waited, say) also gets the kubelet's FailedMount, since a volume that could not be
 * mounted says why nowhere else, unless the Pod started after it.
 */
async function podState(
  object: PodObject,
  startupGraceMs: number,
  context: StatusContext,
): Promise<PodExecutionState> {
  const state = podExecutionState(PodStateSchema.parse(object), {
    now: new Date(),
    startupGraceMs,
  });
  const { result } = state;
  if (result.phase !== 'Failed' || result.exitCode !== undefined) return state;
  const name = object.metadata?.name ?? '';
  const createdAt = object.metadata?.creationTimestamp;
  const mount = await readMountFailure(context, createdAt, (pod) => pod === name, name, {
    listed: [{ name, uid: object.metadata?.uid, createdAt, startedAt: lastStart(state.steps) }],
  });
  return mount ? { ...state, result: withMountFailure(result, mount) } : state;
}

function podEngineSpec(
  settings: PodEngineSettings,
  startupGraceMs: number,
): ResourceEngine<PodObject> {
  return {
    engine: podEngine,
    type: resources.pods,
    defaultTimeout: settings.defaultTimeout,
    finalizers: keepsResult(settings) ? [podResultFinalizer(settings.conventions)] : [],
    watchLabelSelector: podWatchSelector(settings.conventions),
    // Every step carries the parameters and its script, which the engine never reads back.
    watchTransform: cachedPod,
    build: (wfe, namespace, dependencies) =>
      buildPod(wfe, namespace, dependencies, settings) as PodObject,
    // The steps name their images: a digest for the bundle pins nothing that runs.
    unusedFields: (wfe) =>
      wfe.spec.workflowRef.executionBundleDigest
        ? [
            'spec.workflowRef.executionBundleDigest is not used by the pod engine: each step names its own image; pin a step to a digest in its image (image@sha256:...)',
          ]
        : [],
    isFinished: (pod) => isPodFinished(PodStateSchema.parse(pod)),
    logSources: (pod) => podLogSources(pod, settings.conventions),
    result: async (pod, context) => (await podState(pod, startupGraceMs, context)).result,
  };
}

/**
 * The `pod` engine: one Pod per execution running the steps in
 * `spec.workflowRef.engineConfig`, named for the target's lock. Safe to call again after a
 * crash: create adopts this execution's own Pod, and cleanup deletes only a Pod it owns. The
 * Pod carries the engine's finalizer (see `PodEngineSettings.resultFinalizer`) until its result
 * is recorded (`resultRecorded`), or else until cleanup.
 */
export class PodExecutor extends ResourceExecutor<PodObject> {
  readonly #startupGraceMs: number;
  readonly #finalizer: string;
  readonly #released = new ReleasedPods();

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
    this.#finalizer = podResultFinalizer(conventions);
  }

  static fromKubeConfig(config: ClusterConfig, options: PodExecutorOptions = {}): PodExecutor {
    return new PodExecutor(new KubeClient(config), options);
  }

  /**
   * Creates the execution's Pod (`create` too, which calls this), handing back the Pod as the
   * create answered it (see `ResourceExecutor.createResource`; `stepStatusOf` reads its steps).
   * Admission's refusals of it (a quota it does not satisfy, the namespace's pod security
   * profile, a policy webhook) are ConfigurationErrors rather than the API server's 403, which
   * would read as the caller lacking rights (see `podCreateRefusal`).
   */
  override async createResource(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult & { readonly object: PodObject }> {
    try {
      return await super.createResource(wfe, namespace, options);
    } catch (error) {
      if (error instanceof PreviousExecutionNotCleanedError) {
        const kept = await this.#adoptKept(wfe, namespace, error.resourceName, options);
        if (kept) return kept;
      }
      throw podCreateRefusal(error);
    }
  }

  /**
   * Adopts this execution's own Pod without building one (see `ResourceExecutor.adopt`), a Pod
   * deleted by another hand and kept by the engine's finalizer included, as `create` adopts it.
   */
  override async adopt(
    wfe: WorkflowExecution,
    namespace: string,
    options: AdoptOptions = {},
  ): Promise<CreateResult | undefined> {
    try {
      return await super.adopt(wfe, namespace, options);
    } catch (error) {
      if (!(error instanceof PreviousExecutionNotCleanedError)) throw error;
      const kept = await this.#adoptKept(wfe, namespace, error.resourceName, options);
      if (!kept) throw error;
      const { object: _pod, ...adopted } = kept;
      return adopted;
    }
  }

  /**
   * This execution's own Pod, deleted by another hand and kept by the engine's finalizer (see
   * `podResultFinalizer`): its steps ran, so a retried start adopts it and reads its outcome
   * rather than wait for a cleanup nothing else will do, or run them again. Read live: the
   * refusal came from the API server's copy. A Pod without the finalizer is being removed by a
   * cleanup, whose retry waits as before.
   */
  async #adoptKept(
    wfe: WorkflowExecution,
    namespace: string,
    name: string,
    options: OperationOptions,
  ): Promise<(CreateResult & { readonly object: PodObject }) | undefined> {
    const pod = await this.client.get<PodObject>(resources.pods, namespace, name, {
      signal: options.signal,
    });
    const metadata = pod?.metadata;
    if (
      !pod ||
      !metadata?.deletionTimestamp ||
      !metadata.finalizers?.includes(this.#finalizer) ||
      !isOwnedBy(metadata, wfe, this.conventions)
    ) {
      return undefined;
    }
    this.logger.info(
      { namespace, name, kind: resources.pods.kind, wfe: wfe.metadata.name },
      "adopted this execution's deleted Pod, kept by its finalizer until cleanup",
    );
    return {
      object: pod,
      resourceName: name,
      warnings: [],
      adoptedKind: resources.pods.kind,
      ...(metadata.creationTimestamp ? { createdAt: metadata.creationTimestamp } : {}),
    };
  }

  /**
   * Deletes this execution's Pod, then removes the engine's finalizer from it: in that order, a
   * crash between the two leaves a Pod that reads as deleted, never one that runs on unseen, and
   * the next cleanup removes the finalizer. A Pod someone else deleted already is not deleted
   * again. A Pod another execution owns is left alone, as its finalizer.
   */
  override async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const name = this.resourceName(wfe);
    // A stale cached copy is safe: the delete and the patch each hold to the uid it shows.
    const pod = await this.owned.getOwned(wfe, namespace, name, { signal: options.signal });
    if (!pod) return;
    if (!pod.metadata?.deletionTimestamp) {
      const deleted = await this.#delete(pod, namespace, options);
      if (!deleted) return;
    }
    await this.#removeFinalizer(pod, options);
  }

  /**
   * The result is in the execution's status: the finalizer that kept the Pod for it goes now,
   * as the Job controller drops its pods' tracking finalizer once it counted them, so a Pod
   * deleted during the cooldown (a drain, the autoscaler, PodGC) goes at once instead of staying
   * Terminating until cleanup. The Pod itself stays until cleanup. No request when the cached
   * Pod carries no finalizer (`ownerReference`, `resultFinalizer: false`, removed already).
   */
  async resultRecorded(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const name = this.resourceName(wfe);
    const pod = await this.owned.getOwned(wfe, namespace, name, { signal: options.signal });
    if (!pod || this.#released.has(pod.metadata?.uid)) return;
    await this.#removeFinalizer(pod, options);
    this.#released.add(pod.metadata?.uid);
  }

  /** Deletes `pod` as read; false when it is gone, or another Pod has taken its name. */
  async #delete(pod: PodObject, namespace: string, options: OperationOptions): Promise<boolean> {
    const outcome = await deleteAsRead(this.client, resources.pods, pod, {
      propagationPolicy: 'Background',
      signal: options.signal,
    });
    if (outcome === 'deleted') {
      this.logger.debug({ namespace, name: pod.metadata?.name, kind: 'Pod' }, 'deleted Pod');
    }
    return outcome === 'deleted';
  }

  /** Removes the engine's finalizer from `pod` as read, as `deleteAsRead` deletes it. */
  async #removeFinalizer(pod: PodObject, options: OperationOptions): Promise<void> {
    await removeFinalizerAsRead(this.client, resources.pods, pod, this.#finalizer, {
      signal: options.signal,
    });
  }

  /** The execution's result, or `null` when its Pod is gone or was deleted while it ran. */
  override async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: StatusOptions = {},
  ): Promise<ExecutionResult | null> {
    return (await this.getStepStatus(wfe, namespace, options))?.result ?? null;
  }

  /**
   * The execution's result with every step's status (which is running, which failed with what
   * exit code, when each started and finished), or `null` when its Pod no longer exists or its
   * deletion stopped it (see `stoppedByDeletion`). A `fresh` read reads the kubelet's warnings
   * live too, as the Pod: a verdict from a live Pod and a cache's events could lack the warning
   * that says why it failed.
   */
  async getStepStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: StatusOptions = {},
  ): Promise<PodExecutionStatus | null> {
    const object = await this.owned.getOwned(wfe, namespace, this.resourceName(wfe), options);
    return object && this.stepStatusOf(object, namespace, options);
  }

  /**
   * `getStepStatus` of `pod` as the caller has it, without reading it again: the Pod
   * `createResource` answered, made or adopted (an execution's own, so no owner check), which
   * a caller can show at once though its cache has yet to see it. `null` when its deletion
   * stopped it. A `fresh` status reads the kubelet's warnings live.
   */
  async stepStatusOf(
    pod: KubeObject,
    namespace: string,
    options: StatusOptions = {},
  ): Promise<PodExecutionStatus | null> {
    if (stoppedByDeletion(PodStateSchema.parse(pod))) return null;
    const reader = options.fresh ? this.client : this.reader;
    const context = { reader, namespace, signal: options.signal };
    return {
      ...(await podState(pod, this.#startupGraceMs, context)),
      podName: pod.metadata?.name as string,
      createdAt: pod.metadata?.creationTimestamp,
    };
  }
}
