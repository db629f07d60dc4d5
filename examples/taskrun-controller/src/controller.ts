import { Controller, type ControllerMetrics, InformerCache } from '@roundhouse/controller';
import {
  defineConventions,
  type Logger,
  noopLogger,
  roundhouseConventions,
} from '@roundhouse/core';
import { type ClusterConfig, KubeClient, type KubeObject } from '@roundhouse/kube';
import { PodExecutor, type PodExecutorOptions, taskRuns, tasks } from '@roundhouse/pod';
import { byOwner, ownerKeys, podInformers } from './pod-informers.js';
import { TaskRunReconciler } from './reconciler.js';
import type { TimeoutLimits } from './run-spec.js';

export interface TaskRunControllerOptions {
  readonly kubeConfig: ClusterConfig;
  /** The client for writes (status, Pods); pass the one your cache uses. Default a new one. */
  readonly client?: KubeClient | undefined;
  /** The cache the controller watches and reads through; default a new one. */
  readonly cache?: InformerCache | undefined;
  /** Watch Tasks, TaskRuns and Pods in one namespace only; default all namespaces. */
  readonly watchNamespace?: string | undefined;
  /** How Pods are built (allowedImages, securityProfile, podAnnotations, ...). */
  readonly pod?: Omit<PodExecutorOptions, 'reader' | 'ownerReference' | 'logger'> | undefined;
  /** A TaskRun whose Task does not exist: `fail` (default) or `wait` until it is created. */
  readonly missingTask?: 'fail' | 'wait' | undefined;
  /** A run's timeout when it sets none, and the longest it may set; default 1h and 24h. */
  readonly timeouts?: TimeoutLimits | undefined;
  readonly workers?: number | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  readonly logger?: Logger | undefined;
}

const fieldManager = 'roundhouse-taskrun-controller';
const byTaskRef = 'spec.taskRef';

const taskRefOf = (run: KubeObject) =>
  (run.spec as { taskRef?: { name?: unknown } | undefined } | undefined)?.taskRef?.name;

const phaseOf = (run: KubeObject) => (run.status as { phase?: unknown } | undefined)?.phase;

/**
 * Wires the TaskRun reconciler to its informers, all on one cache: TaskRuns; the Pods the pod
 * engine declares it creates (`executor.watches`), mapped back to their run through the owner
 * labels, so a Pod's every change reconciles its run at once; and Tasks, so a run waiting for its
 * Task starts when the Task is created. No polling.
 */
export function createTaskRunController(options: TaskRunControllerOptions): {
  controller: Controller;
  cache: InformerCache;
} {
  const logger = options.logger ?? noopLogger;
  if ((options.pod?.allowedImages ?? []).length === 0) {
    logger.warn({}, 'no allowed images: every TaskRun fails with Forbidden until you list some');
  }
  const client = options.client ?? new KubeClient(options.kubeConfig, { fieldManager });
  const cache = options.cache ?? new InformerCache(options.kubeConfig, { client, logger });
  const scope = options.watchNamespace ? { namespace: options.watchNamespace } : {};
  const executor = new PodExecutor(client, {
    // Every namespace has it; the conventions' runner exists only where someone created it.
    serviceAccountName: 'default',
    ...options.pod,
    // A Pod held by another run is held by a TaskRun, and the engine's errors say so.
    conventions: defineConventions(
      { ownerNoun: 'TaskRun' },
      options.pod?.conventions ?? roundhouseConventions,
    ),
    // A Task's author writes the scripts: they must not hold the namespace's default token.
    pod: { ...options.pod?.pod, automountServiceAccountToken: false },
    // Pods live beside their TaskRun and are owned by it, so deleting the run deletes the Pod.
    ownerReference: true,
    reader: cache,
    logger,
  });
  const runs = cache.informerFor<KubeObject>(taskRuns, scope).addIndex(byTaskRef, (run) => {
    const ref = taskRefOf(run);
    return typeof ref === 'string' ? [`${run.metadata?.namespace}/${ref}`] : [];
  });
  const pods = podInformers(cache, executor.watches, scope);
  const reconciler = new TaskRunReconciler({
    client,
    reader: cache,
    runs,
    podCached: (key) => pods.some(({ informer }) => informer.byIndex(byOwner, key).length > 0),
    executor,
    ...(options.missingTask ? { missingTask: options.missingTask } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  const controller = new Controller({
    name: 'taskrun',
    reconciler,
    workers: options.workers ?? 4,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  controller.watch(runs);
  for (const { informer, conventions } of pods) {
    // Ahead of new runs: a burst of them would otherwise hold every finished Pod's run in
    // Running until the whole burst had started.
    controller.watch(informer, ownerKeys(conventions), { priority: 1 });
  }
  // A Task's change matters only to runs that have not started: the others have their Pod.
  controller.watch(cache.informerFor(tasks, scope), (task) =>
    runs
      .byIndex(byTaskRef, `${task.metadata?.namespace}/${task.metadata?.name}`)
      .filter((run) => phaseOf(run) === undefined || phaseOf(run) === 'Pending')
      .map((run) => `${run.metadata?.namespace}/${run.metadata?.name}`),
  );
  return { controller, cache };
}
