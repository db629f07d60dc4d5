import {
  BatchingEventSink,
  ControllerMetrics,
  controllerRunner,
  type EventBatchWriter,
  InformerCache,
  runControllerMain,
  TtlGarbageCollector,
} from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import { isFinishedAction } from './abort.js';
import { attemptResourcesOf, configHelp, leaderElectionOf, loadConfig } from './config.js';
import { createTaskActionController } from './controller.js';
import type { ActionEvent } from './events.js';
import { gcLabels, taskActions } from './resource.js';
import { HttpEventWriter } from './sinks/http-writer.js';
import { JsonLinesEventWriter } from './sinks/json-lines-writer.js';
import { taskJobExecutor } from './task-executor.js';

/**
 * The controller's entry point: TaskActions run on the job engine, their events go to a
 * JSON-lines file or an events service, finished ones are garbage-collected after a TTL, and
 * SIGTERM finishes in-flight reconciles before the process ends. With `--leader-elect` only the
 * replica holding the Lease reconciles and collects.
 */
process.exit(
  await runControllerMain({
    program: 'taskaction-controller',
    loggerName: 'roundhouse-taskaction-controller',
    help: () => configHelp('taskaction-controller'),
    usage: 'Run taskaction-controller --help for usage.',
    configure: () => loadConfig(process.argv.slice(2), process.env),
    run: async (config, { logger, signal, serveHealth }) => {
      const kubeConfig = await loadKubeConfig({ file: config.kubeconfig });
      const client = new KubeClient(kubeConfig, {
        fieldManager: 'roundhouse-taskaction-controller',
      });
      const metrics = new ControllerMetrics();
      const cache = new InformerCache(kubeConfig, { client, logger });
      const registry = new Registry().register(
        taskJobExecutor(client, {
          reader: cache,
          logger,
          defaultTimeout: config.defaultTimeout,
          podAnnotations: config.podAnnotations,
          resources: attemptResourcesOf(config),
        }),
      );
      const writer: EventBatchWriter<ActionEvent> = config.eventsUrl
        ? new HttpEventWriter(config.eventsUrl)
        : await JsonLinesEventWriter.open(config.eventsFile as string);
      const sink = new BatchingEventSink(writer);
      const { controller } = await createTaskActionController({
        kubeConfig,
        registry,
        cache,
        sink,
        executionNamespace: config.executionNamespace,
        allowedImages: config.allowedImages,
        maxTimeout: config.maxTimeout,
        maxSystemFailures: config.maxSystemFailures,
        maxAttemptsPerNamespace: config.maxAttemptsPerNamespace,
        maxCacheEntriesPerNamespace: config.maxCacheEntriesPerNamespace,
        workers: config.workers,
        resyncMs: config.requeueDuration,
        metrics,
        logger,
        ...(config.watchNamespace ? { watchNamespace: config.watchNamespace } : {}),
      });
      const collector = new TtlGarbageCollector(client, taskActions, {
        labels: gcLabels,
        isFinished: isFinishedAction,
        ttlMs: config.gcTtl,
        intervalMs: config.gcInterval,
        logger,
        ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
      });
      // The collector deletes what the leader's controller finished: a standby leaves it be.
      const runner = controllerRunner(client, controller, {
        leaderElection: leaderElectionOf(config),
        alongside: [collector],
        logger,
      });
      await serveHealth(
        { port: config.healthPort, metrics, ready: () => runner.ready },
        { leaderElect: config.leaderElect },
      );
      try {
        await runner.run(signal);
      } finally {
        await sink.close();
        await client.close();
      }
    },
  }),
);
