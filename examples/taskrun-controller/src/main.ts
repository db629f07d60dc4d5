import { ControllerMetrics, controllerRunner, runControllerMain } from '@roundhouse/controller';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import { configHelp, leaderElectionOf, loadConfig, podOptionsOf } from './config.js';
import { createTaskRunController } from './controller.js';

/**
 * The controller's entry point: TaskRuns run as Pods on the pod engine, and SIGTERM finishes
 * in-flight reconciles before the process ends; with `--leader-elect` only the replica holding the
 * Lease reconciles. Install the CRDs first (`ensureTaskRunCrds`, or
 * apply what `taskCrd()` and `taskRunCrd()` return).
 */
process.exit(
  await runControllerMain({
    program: 'taskrun-controller',
    loggerName: 'roundhouse-taskrun-controller',
    help: () => configHelp('taskrun-controller'),
    usage: 'Run taskrun-controller --help for usage.',
    configure: () => loadConfig(process.argv.slice(2), process.env),
    run: async (config, { logger, signal, serveHealth }) => {
      const kubeConfig = await loadKubeConfig({ file: config.kubeconfig });
      const client = new KubeClient(kubeConfig, { fieldManager: 'roundhouse-taskrun-controller' });
      const metrics = new ControllerMetrics();
      const { controller } = createTaskRunController({
        kubeConfig,
        client,
        pod: podOptionsOf(config),
        missingTask: config.missingTask,
        timeouts: { defaultTimeout: config.defaultTimeout, maxTimeout: config.maxTimeout },
        workers: config.workers,
        metrics,
        logger,
        ...(config.watchNamespace ? { watchNamespace: config.watchNamespace } : {}),
      });
      const runner = controllerRunner(client, controller, {
        leaderElection: leaderElectionOf(config),
        logger,
      });
      await serveHealth(
        { port: config.healthPort, metrics, ready: () => runner.ready },
        { leaderElect: config.leaderElect },
      );
      try {
        await runner.run(signal);
      } finally {
        await client.close();
      }
    },
  }),
);
