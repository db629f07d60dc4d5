import { ControllerMetrics, runControllerMain } from '@roundhouse/controller';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import {
  configHelp,
  JobModeConfigSchema,
  jobModeDefaults,
  loadConfig,
  unbounded,
} from './config.js';
import { createJobModeController } from './jobs/job-controller.js';

/**
 * The Job-per-node controller's entry point, for clusters that prefer no agent on every node:
 * one replica (see deploy/job-mode.yaml) runs each DistExec as one Job per selected node.
 */
process.exit(
  await runControllerMain({
    program: 'distexec-jobs',
    loggerName: 'roundhouse-distexec-jobs',
    help: () => configHelp('distexec-jobs', JobModeConfigSchema, jobModeDefaults),
    usage: 'Run distexec-jobs --help for usage.',
    configure: () =>
      loadConfig(JobModeConfigSchema, jobModeDefaults, process.argv.slice(2), process.env),
    logLevel: (config) => config.logLevel,
    run: async (config, { logger, signal, serveHealth }) => {
      const kubeConfig = await loadKubeConfig({ file: config.kubeconfig });
      const client = new KubeClient(kubeConfig, { fieldManager: 'roundhouse-distexec-jobs' });
      const metrics = new ControllerMetrics();
      const controller = createJobModeController({
        kubeConfig,
        client,
        executionNamespace: config.executionNamespace,
        image: config.image,
        allowedImages: config.allowedImages,
        watchNamespace: config.watchNamespace,
        workers: config.workers,
        resyncMs: config.resync,
        job: {
          pod: { tolerations: config.jobTolerations },
          ...(config.jobResourceLimits === unbounded
            ? {}
            : { resources: { limits: config.jobResourceLimits } }),
        },
        timeouts: {
          defaultSeconds: Math.ceil(config.defaultTimeout / 1000),
          maxSeconds: Math.max(1, Math.floor(config.maxTimeout / 1000)),
        },
        metrics,
        logger,
      });
      await serveHealth(
        { port: config.healthPort, metrics, ready: () => controller.ready },
        { executionNamespace: config.executionNamespace },
      );
      try {
        await controller.start(signal);
      } finally {
        await client.close();
      }
    },
  }),
);
