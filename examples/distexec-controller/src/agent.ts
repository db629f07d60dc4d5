import { Controller, type ControllerMetrics, Informer, objectKey } from '@roundhouse/controller';
import { type Logger, noopLogger } from '@roundhouse/core';
import type { ClusterConfig, KubeClient, KubeObject } from '@roundhouse/kube';
import type { ProcessSupervisor } from '@roundhouse/process';
import { AgentReconciler } from './agent-reconciler.js';
import { NodeDirectory } from './nodes.js';
import { distExecs } from './resource.js';
import { attemptOfTask } from './task.js';

export interface DistExecAgentOptions {
  readonly kubeConfig: ClusterConfig;
  readonly client: KubeClient;
  readonly nodeName: string;
  readonly supervisor: ProcessSupervisor;
  /** Watch one namespace only; default every namespace. */
  readonly watchNamespace?: string | undefined;
  readonly workers?: number | undefined;
  readonly pollMs?: number | undefined;
  readonly outputLimitBytes?: number | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  readonly logger?: Logger | undefined;
}

export interface DistExecAgent {
  readonly controller: Controller;
  /** Reconciles until `signal` aborts; commands keep running for the next agent to adopt. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The node agent: a controller over DistExecs whose reconciler runs this node's share, woken
 * also by Nodes coming, going or changing labels (a deleted Node's entries are removed by the
 * agents that remain; a relabelled one may now be selected or not).
 */
export function createDistExecAgent(options: DistExecAgentOptions): DistExecAgent {
  const logger = options.logger ?? noopLogger;
  const { kubeConfig, client, supervisor } = options;
  const execs = new Informer<KubeObject>(kubeConfig, distExecs, {
    client,
    logger,
    ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
  });
  const nodes = new NodeDirectory(kubeConfig, client, logger);
  const controller = new Controller({
    name: 'distexec-agent',
    reconciler: new AgentReconciler({
      nodeName: options.nodeName,
      client,
      distExecs: execs,
      nodes,
      supervisor,
      pollMs: options.pollMs ?? 1_000,
      outputLimitBytes: options.outputLimitBytes ?? 1_024,
    }),
    workers: options.workers ?? 4,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const everyDistExec = () => {
    for (const obj of execs.list()) controller.enqueue(objectKey(obj));
  };
  controller.watch(execs);
  // Nodes map to no key of their own: a change that matters wakes every DistExec.
  controller.watch(nodes.informer, () => []);
  nodes.onChange(everyDistExec);
  return {
    controller,
    async run(signal) {
      const running = controller.start(signal);
      // Commands of DistExecs deleted while no agent ran (their finalizer removed by hand)
      // have no object to wake them: their keys are looked at once, found gone, and stopped.
      for (const task of supervisor.list()) {
        const ref = attemptOfTask(task);
        if (ref) controller.enqueue(`${ref.namespace}/${ref.name}`);
      }
      await running;
    },
  };
}
