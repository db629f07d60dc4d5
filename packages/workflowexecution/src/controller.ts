import type { KubeConfig } from '@kubernetes/client-node';
import {
  Controller,
  type ControllerMetrics,
  EventRecorder,
  Informer,
  mapByLabels,
} from '@roundhouse/controller';
import {
  type Conventions,
  conventionKeys,
  type Dependencies,
  type Logger,
  noopLogger,
  type Registry,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { WorkflowExecutionReconciler } from './reconciler.js';
import { type WorkflowExecutionObject, workflowExecutions } from './resource.js';

export interface WorkflowExecutionControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly registry: Registry;
  readonly executionNamespace: string;
  readonly conventions: Conventions;
  /** Watch WorkflowExecutions in one namespace only; default all namespaces. */
  readonly watchNamespace?: string;
  readonly cooldownMs?: number;
  readonly lockPolicy?: 'fail' | 'wait';
  readonly workers?: number;
  readonly pollIntervalMs?: { readonly initial: number; readonly max: number };
  readonly resyncMs?: number;
  readonly resolveDependencies?: (wfe: WorkflowExecution) => Promise<Dependencies | undefined>;
  readonly metrics?: ControllerMetrics;
  readonly logger?: Logger;
}

/**
 * Wires the WorkflowExecution reconciler to its watches: WorkflowExecutions themselves, and
 * the Jobs and PipelineRuns they own, mapped back through the owner labels so a finished Job
 * wakes its execution at once instead of at the next poll.
 */
export async function createWorkflowExecutionController(
  options: WorkflowExecutionControllerOptions,
): Promise<{ controller: Controller; cache: Informer<WorkflowExecutionObject> }> {
  const logger = options.logger ?? noopLogger;
  const client = new KubeClient(options.kubeConfig, { fieldManager: 'roundhouse-wfe-controller' });
  const keys = conventionKeys(options.conventions);
  const cache = new Informer<WorkflowExecutionObject>(options.kubeConfig, workflowExecutions, {
    ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
    logger,
    client,
  });
  const watched = new Set<string>();
  const owned: Informer<KubeObject>[] = [];
  const ownedSelector = `${keys.workflowExecutionLabel},${keys.sourceNamespaceLabel}`;
  if (options.registry.has('job')) {
    watched.add('job');
    owned.push(
      new Informer(options.kubeConfig, resources.jobs, {
        namespace: options.executionNamespace,
        labelSelector: ownedSelector,
        logger,
        client,
      }),
    );
  }
  if (options.registry.has('tekton') && (await client.isServed(resources.pipelineRuns))) {
    watched.add('tekton');
    owned.push(
      new Informer(options.kubeConfig, resources.pipelineRuns, {
        namespace: options.executionNamespace,
        labelSelector: ownedSelector,
        logger,
        client,
      }),
    );
  }
  const reconciler = new WorkflowExecutionReconciler({
    client,
    registry: options.registry,
    cache,
    executionNamespace: options.executionNamespace,
    ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
    conventions: options.conventions,
    watchedEngines: watched,
    events: new EventRecorder(client, 'roundhouse-wfe-controller', { logger }),
    logger,
    ...(options.cooldownMs !== undefined ? { cooldownMs: options.cooldownMs } : {}),
    ...(options.lockPolicy ? { lockPolicy: options.lockPolicy } : {}),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.resolveDependencies ? { resolveDependencies: options.resolveDependencies } : {}),
  });
  const controller = new Controller({
    name: 'workflowexecution',
    reconciler,
    workers: options.workers ?? 4,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  controller.watch(cache);
  const toOwner = mapByLabels(keys.workflowExecutionLabel, keys.sourceNamespaceLabel);
  for (const informer of owned) controller.watch(informer, toOwner);
  return { controller, cache };
}
