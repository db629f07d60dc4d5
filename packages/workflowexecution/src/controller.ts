import {
  Controller,
  type ControllerMetrics,
  EventRecorder,
  executionReadScope,
  executionWatchScope,
  type Informer,
  InformerCache,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  conventionKeys,
  executionOwnerKey,
  type Logger,
  noopLogger,
  type Registry,
} from '@roundhouse/core';
import {
  type ClusterConfig,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
} from '@roundhouse/kube';
import { type ExecutionPolicyInput, ExecutionPolicySchema } from './execution-policy.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { checkWorkflowExecutionCrd, type InstalledCrd } from './install.js';
import { KindDiscovery } from './kind-discovery.js';
import { type EventMode, EventModeSchema } from './lifecycle-events.js';
import { OrphanedResources, type WatchedResources } from './orphaned-resources.js';
import { outcomeMetrics } from './outcome-metrics.js';
import {
  WorkflowExecutionReconciler,
  type WorkflowExecutionReconcilerOptions,
} from './reconciler.js';
import { workflowExecutionApi, workflowExecutions } from './resource.js';

export interface WorkflowExecutionControllerOptions {
  readonly kubeConfig: ClusterConfig;
  readonly registry: Registry;
  readonly executionNamespace: string;
  /**
   * The cache the controller watches through. Pass the one your executors read through (their
   * `reader` option), so their status reads are served from memory; default a new one.
   */
  readonly cache?: InformerCache | undefined;
  /**
   * The client for writes; pass the one your cache and executors use, so everything shares
   * one connection pool (and close it on shutdown). Default a new one.
   */
  readonly client?: KubeClient | undefined;
  /**
   * The API group of the WorkflowExecutions this controller serves; default `roundhouse.dev`.
   * `kubernaut.ai` serves kubernaut's own (its CRD, what its RemediationOrchestrator creates), and
   * uses kubernaut's finalizer, so what a kubernaut controller left is finalized by this one.
   * Install the CRD and admission policy with the same group.
   */
  readonly apiGroup?: string | undefined;
  /** Watch WorkflowExecutions in one namespace only; default all namespaces. */
  readonly watchNamespace?: string | undefined;
  readonly cooldownMs?: number | undefined;
  readonly lockPolicy?: 'fail' | 'wait' | undefined;
  /**
   * Fail an execution that names no engine instead of running it as `tekton`; default true
   * under `kubernaut.ai` (see the reconciler's option).
   */
  readonly engineRequired?: boolean | undefined;
  /**
   * Which Events the controller records on executions: `outcome` (default) one per lifecycle,
   * at its end (WorkflowFailed, LockReleased, CleanupFailed); `lifecycle` kubernaut's Events at
   * every step as well (WorkflowValidated, CooldownActive, ExecutionCreated, PhaseTransition,
   * WorkflowCompleted, WorkflowValidationFailed, WorkflowExecutionDeleted), one request each.
   */
  readonly events?: EventMode | undefined;
  readonly workers?: number | undefined;
  /**
   * How long one reconcile may run before its signal aborts and it is retried with backoff
   * (the Controller's `reconcileTimeoutMs`); default 10 minutes, past the longest an engine's
   * own bounds let one operation take (the AWX engine's create: its 2-minute operation bound,
   * and as long again to undo a failed one), so only a reconcile stuck on something unbounded
   * is cut short. 0: none.
   */
  readonly reconcileTimeoutMs?: number | undefined;
  readonly pollIntervalMs?: { readonly initial: number; readonly max: number } | undefined;
  readonly resyncMs?: number | undefined;
  /**
   * Dependencies from elsewhere; see the reconciler's option. `signal` aborts on shutdown and on
   * a lost lease: pass it on to whatever the hook asks.
   */
  readonly resolveDependencies?: WorkflowExecutionReconcilerOptions['resolveDependencies'];
  /** The parameter names each execution's workflow declares; see the reconciler's option. */
  readonly resolveDeclaredParameters?: WorkflowExecutionReconcilerOptions['resolveDeclaredParameters'];
  /**
   * What executions may ask for. The defaults refuse every bundle until you list the sources
   * you trust (`bundles: ['registry.example.com/*']`), allow only the default runner
   * ServiceAccount, and use only dependencies that opted in. See docs/security.md.
   */
  readonly policy?: ExecutionPolicyInput | undefined;
  /** Deadline of executions without `executionConfig.timeout`; default 1 hour. */
  readonly defaultTimeoutMs?: number | undefined;
  /**
   * How long past a deadline the engine may take to report its own timeout; default 60 s, longer
   * than a pod's default terminationGracePeriodSeconds (see the reconciler's option).
   */
  readonly deadlineGraceMs?: number | undefined;
  /**
   * Cluster-scoped custom kinds targets may name, the list given to the admission policy
   * (`workflowExecutionAdmissionPolicy`'s `clusterScopedKinds`): the cooldown and the lock check
   * then treat one such object named under two namespaces as one target. They learn the scope
   * of the kinds discovery lists on their own (`kindDiscovery`); these count either way.
   */
  readonly clusterScopedKinds?: readonly string[] | undefined;
  /**
   * How the cooldown and the lock check learn the cluster's kinds: every name kubectl takes for
   * a custom kind (kind, plural, singular, short names) and whether it is cluster-scoped, from
   * discovery. It is read before this function resolves (a failure is logged, and targets are
   * compared by Kubernetes' own kinds until a read succeeds), again in the background on the
   * first start `refreshMs` after the last read (default 10 minutes), and for starts whose
   * target names a kind not known yet: such a start is requeued until a read that began after
   * the execution was created has ended (a failed one counts), and a new read begins no sooner
   * than `unknownKindMs` (default 30 s) after the last one ended. Each read is two requests of
   * `client` (`discoverApiResources`), and needs no RBAC.
   */
  readonly kindDiscovery?:
    | {
        readonly refreshMs?: number | undefined;
        readonly unknownKindMs?: number | undefined;
      }
    | undefined;
  /**
   * The runtime's metrics, and kubernaut's: `workflowexecution_reconciler_total` and
   * `workflowexecution_reconciler_duration_seconds`, by `outcome` (Completed, Failed).
   */
  readonly metrics?: ControllerMetrics | undefined;
  readonly logger?: Logger | undefined;
}

const fieldManager = 'roundhouse-wfe-controller';

/** The RBAC rule a controller serving `resource`'s group needs to check its CRD at start-up. */
function crdUnreadable(resource: { readonly group: string; readonly plural: string }) {
  const name = `${resource.plural}.${resource.group}`;
  return new ConfigurationError({
    path: `CustomResourceDefinition ${name}`,
    message: `this controller may not read it, and serving ${resource.group} needs its schema checked at start-up: grant get on customresourcedefinitions (apiGroups: apiextensions.k8s.io, resourceNames: ${name}) in a ClusterRole bound to its ServiceAccount`,
  });
}

/**
 * Wires the WorkflowExecution reconciler to its watches: WorkflowExecutions themselves, and
 * every execution resource a registered engine declares in `Executor.watches`, mapped back to
 * its owner with `executionOwnerKey`, so a finished Job or PipelineRun wakes its execution at
 * once instead of at the next poll. An engine whose resource the cluster does not serve, or
 * that declares none, is polled. What an engine declares in `Executor.reads` (a Job's pods) is
 * only cached, in the execution namespace, so the engine's status reads of it cost no request.
 */
export async function createWorkflowExecutionController(
  options: WorkflowExecutionControllerOptions,
): Promise<{ controller: Controller; cache: InformerCache }> {
  const logger = options.logger ?? noopLogger;
  const client = options.client ?? new KubeClient(options.kubeConfig, { fieldManager });
  const cache = options.cache ?? new InformerCache(options.kubeConfig, { client, logger });
  const policy = ExecutionPolicySchema.parse(options.policy ?? {});
  const api = workflowExecutionApi(options.apiGroup);
  const installed = await checkWorkflowExecutionCrd(client, { apiGroup: options.apiGroup }).catch(
    (error: unknown): InstalledCrd => {
      if (!(error instanceof KubernetesApiError && error.statusCode === 403)) throw error;
      // Under its own group the CRD is this package's, applied from its manifests, and a
      // controller that may not read CRDs starts unchecked, as it did before the check (the
      // base RBAC grants no such read). Under another group the CRD is likely another
      // controller's (kubernaut's), the case the check is for: unchecked, a status write it
      // refuses would leave an execution Running, its target locked, so the read is required.
      if (api.resource.group !== workflowExecutions.group) throw crdUnreadable(api.resource);
      logger.warn({ group: api.resource.group }, 'may not read the CRD; its schema is unchecked');
      return { unlistedFailureReasons: [] };
    },
  );
  if (installed.unlistedFailureReasons.length > 0) {
    logger.warn(
      { group: api.resource.group, reasons: installed.unlistedFailureReasons },
      'the installed CRD lists none of these failure reasons: they are written as Unknown',
    );
  }
  const executions = cache.informerFor(api.resource, {
    ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
  });
  const targets = ExecutionsByTarget.following(executions, {
    ...(options.clusterScopedKinds ? { clusterScopedKinds: options.clusterScopedKinds } : {}),
  });
  const kinds = new KindDiscovery(client, (table) => targets.useKinds(table), {
    logger,
    refreshMs: options.kindDiscovery?.refreshMs ?? 10 * 60_000,
    unknownKindMs: options.kindDiscovery?.unknownKindMs ?? 30_000,
  });
  // Before the controller can start: no execution is compared under Kubernetes' own kinds
  // alone while discovery is there to read.
  await kinds.read();
  const owned: (WatchedResources & { informer: Informer<KubeObject> })[] = [];
  const watchedEngines = new Set<string>();
  const cached = new Set<Informer<KubeObject>>();
  for (const engine of options.registry.engines()) {
    for (const watch of options.registry.get(engine).watches ?? []) {
      if (!(await client.isServed(watch.resource))) {
        logger.info({ engine, kind: watch.resource.kind }, 'resource not served; polling instead');
        continue;
      }
      const informer = cache.informerFor<KubeObject>(
        watch.resource,
        executionWatchScope(watch, options.executionNamespace),
      );
      owned.push({ engine, informer, watch });
      watchedEngines.add(engine);
    }
    for (const read of options.registry.get(engine).reads ?? []) {
      if (!(await client.isServed(read.resource))) continue;
      cached.add(
        cache.informerFor<KubeObject>(
          read.resource,
          executionReadScope(read, options.executionNamespace),
        ),
      );
    }
  }
  const reconciler = new WorkflowExecutionReconciler({
    client,
    api,
    reader: cache,
    registry: options.registry,
    executions,
    targets,
    kinds,
    executionNamespace: options.executionNamespace,
    policy,
    unlistedFailureReasons: installed.unlistedFailureReasons,
    ...(options.defaultTimeoutMs !== undefined
      ? { defaultTimeoutMs: options.defaultTimeoutMs }
      : {}),
    ...(options.deadlineGraceMs !== undefined ? { deadlineGraceMs: options.deadlineGraceMs } : {}),
    ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
    watchedEngines,
    orphans: new OrphanedResources(client, owned, logger),
    events: new EventRecorder(client, fieldManager, { logger }),
    ...(options.metrics ? { outcomes: outcomeMetrics(options.metrics.registry) } : {}),
    eventMode: EventModeSchema.parse(options.events ?? 'outcome'),
    logger,
    ...(options.cooldownMs !== undefined ? { cooldownMs: options.cooldownMs } : {}),
    ...(options.lockPolicy ? { lockPolicy: options.lockPolicy } : {}),
    ...(options.engineRequired !== undefined ? { engineRequired: options.engineRequired } : {}),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.resolveDependencies ? { resolveDependencies: options.resolveDependencies } : {}),
    ...(options.resolveDeclaredParameters
      ? { resolveDeclaredParameters: options.resolveDeclaredParameters }
      : {}),
  });
  const controller = new Controller({
    name: 'workflowexecution',
    reconciler,
    workers: options.workers ?? 4,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? 10 * 60_000,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  controller.watch(executions, (obj) => targets.keysToWake(obj));
  for (const {
    informer,
    watch: { conventions },
  } of owned) {
    const target = conventionKeys(conventions).targetResourceAnnotation;
    // Ahead of new executions: a burst of them would otherwise hold every finished Job's
    // execution in Running until the whole burst had started.
    controller.watch(
      informer,
      (obj) => {
        const key = executionOwnerKey(obj.metadata, conventions);
        const waiters = targets.waitersOnResource(obj, target);
        return key ? [key, ...waiters.filter((waiter) => waiter !== key)] : waiters;
      },
      { priority: 1 },
    );
    informer.on('delete', (obj) => {
      for (const waiter of targets.waitersOnResource(obj, target, true)) {
        controller.enqueue(waiter, { priority: 1 });
      }
    });
  }
  // Started, synced and stopped with the controller like its watches, but mapped to no key:
  // a pod changing wakes nothing, the engine reads it on its execution's next status check.
  for (const informer of cached) controller.watch(informer, () => []);
  return { controller, cache };
}
