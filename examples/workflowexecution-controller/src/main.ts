import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ControllerMetrics,
  InformerCache,
  LeaderElector,
  shutdownSignal,
  startHealthServer,
} from '@roundhouse/controller';
import { kubernautConventions, parseGoDuration, roundhouseConventions } from '@roundhouse/core';
import { KubeClient } from '@roundhouse/kube';
import { createWorkflowExecutionController } from '@roundhouse/workflowexecution';
import { cooldownMs, executionPolicy, loadConfig } from './config.js';
import { jsonLogger } from './logger.js';
import { buildRegistry } from './registry.js';

/**
 * The controller's entry point: configuration from flags and ROUNDHOUSE_* variables, the
 * enabled engines, /metrics /healthz /readyz, optional leader election, and a graceful stop on
 * SIGTERM that finishes in-flight reconciles.
 */
const logger = jsonLogger('workflowexecution-controller');
const config = loadConfig(process.argv.slice(2), process.env);
const kubeConfig = new KubeConfig();
if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
else kubeConfig.loadFromDefault();
const client = new KubeClient(kubeConfig, { fieldManager: 'roundhouse-wfe-controller' });
const conventions =
  config.conventions === 'kubernaut' ? kubernautConventions : roundhouseConventions;
const signal = shutdownSignal({ logger });
const metrics = new ControllerMetrics();
// One cache for the controller's watches and the executors' status reads: a status check of a
// watched execution resource is served from memory.
const cache = new InformerCache(kubeConfig, { client, logger });
const { registry, close } = await buildRegistry(config, {
  client,
  reader: cache,
  conventions,
  logger,
});
const { controller } = await createWorkflowExecutionController({
  kubeConfig,
  registry,
  cache,
  client,
  executionNamespace: config.executionNamespace,
  cooldownMs: cooldownMs(config),
  policy: executionPolicy(config),
  defaultTimeoutMs: parseGoDuration(config.defaultTimeout) ?? 0,
  lockPolicy: config.lockPolicy,
  workers: config.workers,
  metrics,
  logger,
  ...(config.watchNamespace ? { watchNamespace: config.watchNamespace } : {}),
});
const health = await startHealthServer({
  port: config.healthPort,
  host: config.healthHost,
  metrics,
  ready: () => controller.ready,
});
logger.info({ engines: registry.engines(), port: health.port }, 'starting');
try {
  if (config.leaderElect) {
    const elector = new LeaderElector(client, {
      namespace: config.leaderElectionNamespace ?? config.executionNamespace,
      name: 'roundhouse-workflowexecution-controller',
      identity: `${hostname()}-${process.pid}`,
      logger,
    });
    await elector.run(signal, { onStartedLeading: (leading) => controller.start(leading) });
  } else {
    await controller.start(signal);
  }
} finally {
  await health.close();
  await close();
  await client.close();
  logger.info({}, 'stopped');
}
