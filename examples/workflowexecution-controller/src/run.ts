import { homedir } from 'node:os';
import {
  ControllerMetrics,
  controllerRunner,
  InformerCache,
  startHealthServer,
} from '@roundhouse/controller';
import { type Logger, parseGoDuration } from '@roundhouse/core';
import { KubeClient } from '@roundhouse/kube';
import { createWorkflowExecutionController } from '@roundhouse/workflowexecution';
import {
  type Config,
  conventionsOf,
  cooldownMs,
  executionPolicy,
  leaseTimings,
  reconcileTimeoutMs,
} from './config.js';
import { checkCluster, loadKubeConfig } from './kubeconfig.js';
import { buildRegistry } from './registry.js';

export interface RunContext {
  readonly logger: Logger;
  /** Aborts on SIGTERM or SIGINT: in-flight reconciles finish, then everything closes. */
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The controller process once its flags are read: the cluster checked once, the enabled
 * engines, one InformerCache shared by the controller and the executors, /metrics /healthz
 * /readyz, optional leader election. Resolves after a graceful stop; rejects when it cannot
 * start, with an error that says why, and when it lost the lease while a reconcile that ignored
 * its signal still runs (LeaseLostWhileReconcilingError): main.ts then exits 1, as
 * controller-runtime's manager exits on a lost lease, and the Deployment restarts the pod.
 */
export async function runController(config: Config, context: RunContext): Promise<void> {
  const { logger, signal } = context;
  const kubeConfig = await loadKubeConfig({
    path: config.kubeconfig,
    home: context.env.HOME ?? homedir(),
    env: context.env,
  });
  const server = kubeConfig.getCurrentCluster()?.server as string;
  const closers: (() => unknown)[] = [];
  try {
    const client = new KubeClient(kubeConfig, {
      fieldManager: 'roundhouse-wfe-controller',
    });
    closers.push(() => client.close());
    const metrics = new ControllerMetrics();
    closers.push(metrics.countRestClientRequests({ hosts: [new URL(server).host] }));
    await checkCluster(client, server, signal);
    // One cache for the controller's watches and the executors' status reads: a status check
    // of a watched execution resource is served from memory.
    const cache = new InformerCache(kubeConfig, { client, logger });
    const engines = await buildRegistry(config, {
      client,
      reader: cache,
      conventions: conventionsOf(config),
      logger,
    });
    closers.push(() => engines.close());
    const { controller } = await createWorkflowExecutionController({
      kubeConfig,
      registry: engines.registry,
      cache,
      client,
      executionNamespace: config.executionNamespace,
      apiGroup: config.apiGroup,
      cooldownMs: cooldownMs(config),
      policy: executionPolicy(config),
      defaultTimeoutMs: parseGoDuration(config.defaultTimeout) ?? 0,
      lockPolicy: config.lockPolicy,
      events: config.events,
      workers: config.workers,
      reconcileTimeoutMs: reconcileTimeoutMs(config),
      clusterScopedKinds: config.clusterScopedKinds,
      metrics,
      logger,
      ...(config.watchNamespace ? { watchNamespace: config.watchNamespace } : {}),
    });
    // A replica that lost the lease stands by and competes again, as a fresh one would, unless
    // a reconcile of its last term still runs: then it ends (see leadUntilStopped).
    const runner = controllerRunner(client, controller, {
      leaderElection: config.leaderElect
        ? {
            namespace: config.leaderElectionNamespace ?? config.executionNamespace,
            name: 'roundhouse-workflowexecution-controller',
            ...leaseTimings(config),
          }
        : undefined,
      logger,
    });
    const health = await startHealthServer({
      port: config.healthPort,
      host: config.healthHost,
      metrics,
      ready: () => runner.ready,
    });
    closers.push(() => health.close());
    logger.info(
      { engines: engines.registry.engines(), port: health.port, leaderElect: config.leaderElect },
      'starting',
    );
    await runner.run(signal);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
