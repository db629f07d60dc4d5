import { ControllerMetrics, runControllerMain, startHealthServer } from '@roundhouse/controller';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import { loadConfig } from './config.js';
import { createTaskRunController } from './controller.js';

/**
 * The controller's entry point: TaskRuns run as Pods on the pod engine, and SIGTERM finishes
 * in-flight reconciles before the process ends. Install the CRDs first (`ensureTaskRunCrds`, or
 * apply what `taskCrd()` and `taskRunCrd()` return).
 */
process.exit(
  await runControllerMain({
    program: 'taskrun-controller',
    loggerName: 'roundhouse-taskrun-controller',
    configure: () => loadConfig(process.argv.slice(2), process.env),
    run: async (config, { logger, signal }) => {
      if (config.allowedImages.length === 0) {
        logger.warn(
          {},
          'no --allowed-images: every TaskRun fails with Forbidden until you list some',
        );
      }
      // --kubeconfig, else KUBECONFIG or ~/.kube/config, else the pod's ServiceAccount; nothing
      // found is an error, where client-node's loadFromDefault would try http://localhost:8080.
      const kubeConfig = await loadKubeConfig(
        config.kubeconfig ? { files: [config.kubeconfig] } : {},
      );
      const client = new KubeClient(kubeConfig, { fieldManager: 'roundhouse-taskrun-controller' });
      const metrics = new ControllerMetrics();
      const { controller } = createTaskRunController({
        kubeConfig,
        client,
        pod: {
          allowedImages: config.allowedImages,
          ...(config.stepResourceLimits
            ? { resources: { limits: config.stepResourceLimits } }
            : {}),
        },
        missingTask: config.missingTask,
        timeouts: { defaultTimeout: config.defaultTimeout, maxTimeout: config.maxTimeout },
        workers: config.workers,
        metrics,
        logger,
        ...(config.watchNamespace ? { watchNamespace: config.watchNamespace } : {}),
      });
      const health = await startHealthServer({
        port: config.healthPort,
        host: '0.0.0.0',
        metrics,
        ready: () => controller.ready,
      });
      logger.info({ port: health.port }, 'starting');
      try {
        await controller.start(signal);
      } finally {
        await health.close();
        await client.close();
      }
    },
  }),
);
