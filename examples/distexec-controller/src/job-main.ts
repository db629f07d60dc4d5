import { ControllerMetrics, controllerRunner, runControllerMain } from '@roundhouse/controller';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import {
  configHelp,
  JobModeConfigSchema,
  jobModeDefaults,
  leaderElectionOf,
  loadConfig,
  unbounded,
} from './config.js';
import { createJobModeController } from './jobs/job-controller.js';

/**
 * The Job-per-node controller's entry point, for clusters that prefer no agent on every node:
 * one replica runs each DistExec as one Job per selected node; with `--leader-elect` (see
 * deploy/job-mode.yaml) only the replica holding the Lease does, and a surge pod stands by.
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
        ...(config.maxJobsPerNamespace > 0
          ? { maxJobsPerNamespace: config.maxJobsPerNamespace }
          : {}),
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
      const runner = controllerRunner(client, controller, {
        leaderElection: leaderElectionOf(config),
        logger,
      });
      await serveHealth(
        { port: config.healthPort, metrics, ready: () => runner.ready },
        { executionNamespace: config.executionNamespace, leaderElect: config.leaderElect },
      );
      try {
        await runner.run(signal);
      } finally {
        await client.close();
      }
    },
  }),
);
