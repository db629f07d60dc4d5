import {
  Controller,
  type ControllerMetrics,
  executionReadScope,
  InformerCache,
  objectKey,
} from '@roundhouse/controller';
import {
  type Conventions,
  defineConventions,
  type Logger,
  noopLogger,
  roundhouseConventions,
} from '@roundhouse/core';
import { type JobSettings, jobPodsRead } from '@roundhouse/job';
import {
  type ClusterConfig,
  type KubeClient,
  type KubeObject,
  ResourceExecutor,
  resources,
} from '@roundhouse/kube';
import { NodeDirectory } from '../nodes.js';
import { distExecs } from '../resource.js';
import { ownerOfJob } from './job-index.js';
import { nodeJobsInformer } from './job-informer.js';
import { JobModeReconciler } from './job-reconciler.js';
import { nodeJobResourceEngine } from './node-job.js';
import type { TimeoutPolicy } from './timeout-policy.js';

export interface JobModeControllerOptions {
  readonly kubeConfig: ClusterConfig;
  readonly client: KubeClient;
  /** Where the Jobs are created. */
  readonly executionNamespace: string;
  /** The image a DistExec without `spec.image` runs in. */
  readonly image: string;
  /**
   * Images node Jobs may run: exact, a prefix ending in `/*` or `:*`, or `*`, compared as
   * written (`isAllowedSource`). Default none: every DistExec is refused until it is set.
   */
  readonly allowedImages?: readonly string[] | undefined;
  /**
   * The deadline of a node Job whose DistExec sets no `timeoutSeconds` (default 1 hour), and
   * the longest one a DistExec may set (default 24 hours), so no author holds a pod on every
   * node for ever.
   */
  readonly timeouts?: Partial<TimeoutPolicy> | undefined;
  readonly watchNamespace?: string | undefined;
  /**
   * Refines the Jobs (`@roundhouse/job`'s settings: security context, resources, pod
   * annotations...). `pod.tolerations` are the only taints a node Job tolerates (none by
   * default): a node with any other that keeps pods off, a cordoned one (unless it lists
   * `node.kubernetes.io/unschedulable`) or one not Ready gets no Job.
   */
  readonly job?: Partial<Omit<JobSettings, 'conventions'>> | undefined;
  readonly conventions?: Conventions | undefined;
  readonly workers?: number | undefined;
  readonly resyncMs?: number | undefined;
  /**
   * The most unfinished node Jobs the DistExecs of one namespace hold at once; the others wait,
   * pending, for a Job to finish. Unset, no limit.
   */
  readonly maxJobsPerNamespace?: number | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Commands in images commonly run as root; the job engine's restricted profile refuses that,
 * so node Jobs run as this user unless `job.podSecurityContext` says otherwise.
 */
const nonRootUser = 65532;

/**
 * The Job-per-node controller: DistExecs, their Jobs (mapped back through the owner labels)
 * and Nodes (any that comes or goes wakes every DistExec) feed one reconciler.
 */
export function createJobModeController(options: JobModeControllerOptions): Controller {
  const logger = options.logger ?? noopLogger;
  if ((options.allowedImages ?? []).length === 0) {
    logger.warn(
      {},
      'no allowed images: every DistExec fails InvalidSpec on every node until you list some',
    );
  }
  // A node's Job held by another is held by a DistExec, and the engine's errors say so.
  const conventions = defineConventions(
    { ownerNoun: 'DistExec' },
    options.conventions ?? roundhouseConventions,
  );
  const { kubeConfig, client } = options;
  const cache = new InformerCache(kubeConfig, { client, logger });
  const settings: JobSettings = {
    conventions,
    serviceAccountName: conventions.defaultServiceAccountName,
    // No TTL: a Job is deleted once its DistExec, generation or node no longer needs it, never
    // before its result is recorded, however long the controller was down.
    securityProfile: 'restricted',
    ...options.job,
    podSecurityContext: {
      runAsUser: nonRootUser,
      runAsGroup: nonRootUser,
      ...options.job?.podSecurityContext,
    },
  };
  const executor = new ResourceExecutor(client, nodeJobResourceEngine(settings, client), {
    conventions,
    reader: cache,
    logger,
  });
  const nodes = new NodeDirectory(kubeConfig, client, logger);
  const execs = cache.informerFor<KubeObject>(distExecs, {
    ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
  });
  const jobs = nodeJobsInformer(cache, conventions, options.executionNamespace);
  // buildJob labels a node Job's pods as the job engine's own, so its pod read applies.
  const pods = cache.informerFor<KubeObject>(
    resources.pods,
    executionReadScope(jobPodsRead(conventions), options.executionNamespace),
  );
  const controller = new Controller({
    name: 'distexec-jobs',
    reconciler: new JobModeReconciler({
      client,
      cache,
      distExecs: execs,
      jobs,
      nodes,
      executor,
      conventions,
      executionNamespace: options.executionNamespace,
      image: options.image,
      allowedImages: options.allowedImages ?? [],
      tolerations: settings.pod?.tolerations ?? [],
      timeouts: { defaultSeconds: 3600, maxSeconds: 86_400, ...options.timeouts },
      resyncMs: options.resyncMs ?? 60_000,
      maxJobsPerNamespace: options.maxJobsPerNamespace,
      // Called by reconciles only, once the controller below exists.
      wake: (key) => controller.enqueue(key),
    }),
    workers: options.workers ?? 4,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const everyDistExec = () => {
    for (const obj of execs.list()) controller.enqueue(objectKey(obj));
  };
  // Shards by --watch-namespace share the execution namespace, so this informer holds the other
  // shards' node Jobs too: one of them wakes no DistExec here, which would then be read from the
  // API server and run by this shard's policy beside its own controller.
  const owner = ownerOfJob(conventions);
  const watched = (key: string) =>
    !options.watchNamespace || key.startsWith(`${options.watchNamespace}/`);
  controller
    .watch(execs)
    .watch(jobs, (job) => owner(job).filter(watched))
    // Cached for the status checks of failed Jobs; a Job's own events say when to look.
    .watch(pods, () => [])
    .watch(nodes.informer, () => []);
  nodes.onChange(everyDistExec);
  return controller;
}
