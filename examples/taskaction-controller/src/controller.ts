import {
  Controller,
  type ControllerMetrics,
  type ControllerOptions,
  EventRecorder,
  type EventSink,
  type Informer,
  InformerCache,
  objectKey,
  type RateLimiter,
  ReservationSightings,
  reservationGraceHeartbeats,
} from '@roundhouse/controller';
import { executionOwnerKey, type Logger, noopLogger, type Registry } from '@roundhouse/core';
import { type ClusterConfig, KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { actionKeyOf } from './attempt.js';
import { AttemptSlots } from './attempt-slot-gate.js';
import { defaultMaxAttemptsPerNamespace } from './attempt-slots.js';
import { cacheLabel, cacheNamespaceLabel } from './cache.js';
import { defaultMaxCacheEntriesPerNamespace } from './cache-bound.js';
import { CacheCollector } from './cache-collector.js';
import { cachedAction } from './cached-action.js';
import { conditionDeletedEvent } from './condition-deletion.js';
import { type EngineInformer, engineInformers } from './engine-watches.js';
import type { ActionEvent } from './events.js';
import { OrphanedExecutions } from './orphaned-executions.js';
import {
  actionNameIndex,
  indexByActionName,
  indexWaitingForParent,
  parentIndexValue,
  waitingForParentIndex,
} from './parent.js';
import { defaultResyncMs, TaskActionReconciler } from './reconciler.js';
import { indexByReservation, reservationIndex } from './reservation-renewal.js';
import { ReservationRenewer } from './reservation-renewer.js';
import { taskActions } from './resource.js';
import { requeueBoundedRateLimiter } from './retry-limiter.js';
import { defaultRouting, type TaskTypeRouting } from './routing.js';

export interface TaskActionControllerOptions {
  readonly kubeConfig: ClusterConfig;
  readonly registry: Registry;
  readonly executionNamespace: string;
  /**
   * Images a task may run: exact, a prefix ending in `/*` or `:*`, or `*`, compared as written
   * (`isAllowedSource`). Default none: every TaskAction is refused until it is set.
   */
  readonly allowedImages?: readonly string[] | undefined;
  /**
   * The longest `taskTemplate.timeout` a task may set; default 24h. The deadline of an attempt
   * that sets none is the executor's (`taskJobExecutor`: 1h).
   */
  readonly maxTimeout?: string | undefined;
  readonly sink: EventSink<ActionEvent>;
  readonly routing?: TaskTypeRouting | undefined;
  /** Pass the cache your executors read through (their `reader`); default a new one. */
  readonly cache?: InformerCache | undefined;
  /** Watch TaskActions in one namespace only; default all namespaces. */
  readonly watchNamespace?: string | undefined;
  readonly workers?: number | undefined;
  readonly maxSystemFailures?: number | undefined;
  /**
   * Attempts of one TaskAction namespace in flight at once (see `AttemptSlots`); more wait,
   * Queued, first created first. Default 20; `'none'` for no cap.
   */
  readonly maxAttemptsPerNamespace?: number | 'none' | undefined;
  /**
   * Action cache entries one TaskAction namespace keeps in the execution namespace; storing one
   * more deletes its oldest. Default `defaultMaxCacheEntriesPerNamespace`.
   */
  readonly maxCacheEntriesPerNamespace?: number | undefined;
  readonly systemBackoffMs?: { readonly initial: number; readonly max: number } | undefined;
  /**
   * How often a running action is looked at again without an event (default 10 s), and the
   * longest a failed reconcile waits before it is tried again.
   */
  readonly resyncMs?: number | undefined;
  /**
   * How long a key whose reconcile failed waits before it is tried again; default the
   * workqueue's doubling backoff, capped at `resyncMs` (`requeueBoundedRateLimiter`).
   */
  readonly rateLimiter?: RateLimiter<string> | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  readonly logger?: Logger | undefined;
}

const fieldManager = 'roundhouse-taskaction-controller';

/**
 * Wires the TaskAction reconciler to its watches: TaskActions, and the execution resources of
 * every engine a task type is routed to (from `Executor.watches`), each mapped back through its
 * owner (`<action>-<attempt>`, see `executionOwnerKey`) to its TaskAction, so a finished Job
 * wakes its action at once. What those engines read (`Executor.reads`, a Job's pods) is cached
 * in the execution namespace too, so their status checks cost no request.
 */
export async function createTaskActionController(
  options: TaskActionControllerOptions,
): Promise<{ controller: Controller; cache: InformerCache }> {
  const logger = options.logger ?? noopLogger;
  if ((options.allowedImages ?? []).length === 0) {
    logger.warn({}, 'no allowed images: every TaskAction fails InvalidSpec until you list some');
  }
  const routing = options.routing ?? defaultRouting;
  const client = new KubeClient(options.kubeConfig, { fieldManager });
  const cache = options.cache ?? new InformerCache(options.kubeConfig, { client, logger });
  // Cached without what the controller never reads, which an author may make large: every
  // namespace's actions share this one process's memory (see cachedAction).
  const actions = cache.informerFor(taskActions, {
    ...(options.watchNamespace ? { namespace: options.watchNamespace } : {}),
    transform: cachedAction,
  });
  // The cache's entries, counted per namespace when one is stored (see entriesToEvict).
  const entries = cache.informerFor(resources.configMaps, {
    namespace: options.executionNamespace,
    labelSelector: `${cacheLabel}=entry`,
  });
  // The reservation Leases, which the collector judges: one whose holder went without giving it
  // up (deleted, or stopped while no controller ran) expires but stays until deleted.
  const reservations = cache.informerFor(resources.leases, {
    namespace: options.executionNamespace,
    labelSelector: `${cacheLabel}=reservation`,
  });
  // The namespaces whose actions use the cache, for their uids (an entry serves the namespace
  // it was populated in, not a later one of its name) and their deletion (see CacheCollector).
  // With --watch-namespace, that one only: another namespace's entries are another controller's.
  const namespaces = cache.informerFor(resources.namespaces, {
    ...(options.watchNamespace ? { fieldSelector: `metadata.name=${options.watchNamespace}` } : {}),
    transform: namespaceIdentity,
  });
  // The engines' informers exist before the reconciler: the orphans' index is kept on them.
  const served: { informer: EngineInformer; watched: Informer<KubeObject> }[] = [];
  for (const informer of engineInformers(routing, options.registry, options.executionNamespace)) {
    if (!(await client.isServed(informer.resource))) {
      logger.info({ kind: informer.resource.kind }, 'resource not served; not watched');
      continue;
    }
    served.push({ informer, watched: cache.informerFor(informer.resource, informer.scope) });
  }
  const orphans = new OrphanedExecutions(
    client,
    served.flatMap(({ informer, watched }) =>
      informer.kind === 'owned'
        ? [
            {
              watch: {
                resource: informer.resource,
                conventions: informer.conventions,
                deletion: informer.deletion,
              },
              informer: watched,
            },
          ]
        : [],
    ),
    { logger },
  );
  const resyncMs = options.resyncMs ?? defaultResyncMs;
  const max = options.maxAttemptsPerNamespace ?? defaultMaxAttemptsPerNamespace;
  const slots = new AttemptSlots({
    max: max === 'none' ? undefined : max,
    // Only called from reconciles, which run once the controller below exists.
    wake: (key) => controller.enqueue(key),
  });
  // When each reservation Lease was first seen as it stands: what the cache gate, the collector
  // and the renewer judge its expiry by, on this process's clock (see judgeReservation).
  const sightings = new ReservationSightings();
  reservations.on('delete', (lease) => sightings.forget(lease.metadata?.name ?? ''));
  const holdersOf = (leaseName: string) => actions.byIndex(reservationIndex, leaseName);
  const reconciler = new TaskActionReconciler({
    client,
    sightings,
    reader: cache,
    maxCacheEntriesPerNamespace:
      options.maxCacheEntriesPerNamespace ?? defaultMaxCacheEntriesPerNamespace,
    actions,
    registry: options.registry,
    routing,
    executionNamespace: options.executionNamespace,
    allowedImages: options.allowedImages ?? [],
    ...(options.maxTimeout ? { maxTimeout: options.maxTimeout } : {}),
    sink: options.sink,
    events: new EventRecorder(client, fieldManager, { logger }),
    orphans,
    slots,
    ...(options.maxSystemFailures !== undefined
      ? { maxSystemFailures: options.maxSystemFailures }
      : {}),
    ...(options.systemBackoffMs ? { systemBackoffMs: options.systemBackoffMs } : {}),
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
  });
  // Started with the controller, and stopped with it: only the leader deletes.
  const collector = new CacheCollector({
    client,
    reader: cache,
    namespace: options.executionNamespace,
    heartbeatMs: resyncMs,
    sightings,
    holdersOf,
    holdersKnown: () => actions.hasSynced(),
    logger,
  });
  // With --watch-namespace, that namespace's entries only: another's are another controller's.
  const collect = (namespace: string | undefined) => {
    if (!namespace) return;
    if (options.watchNamespace && namespace !== options.watchNamespace) return;
    collector.collect(namespace);
  };
  // Renews the reservations of actions under way on its own timer: renewing on their reconcile,
  // on the workers every namespace shares, let a flood of another namespace's keys outlast a
  // Lease, and a waiter then ran beside its holder.
  const renewer = new ReservationRenewer({
    client,
    reservations,
    holdersOf,
    sightings,
    wake: (key) => controller.enqueue(key),
    namespace: options.executionNamespace,
    heartbeatMs: resyncMs,
    logger,
  });
  const controller = new TaskActionController(
    {
      collector,
      entries,
      reservations,
      reservationSweepMs: reservationGraceHeartbeats * resyncMs,
      collect,
      renewer,
      actions,
    },
    {
      name: 'taskaction',
      reconciler,
      workers: options.workers ?? 4,
      rateLimiter: options.rateLimiter ?? requeueBoundedRateLimiter(resyncMs),
      logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    },
  );
  // A child finds its parent by name; one created before its parent waits for it, and the
  // parent's arrival wakes it.
  actions.addIndex(actionNameIndex, indexByActionName);
  actions.addIndex(waitingForParentIndex, indexWaitingForParent);
  actions.addIndex(reservationIndex, indexByReservation);
  // The slots' line follows the cache. Registered before the controller's watch, as handlers run
  // in that order: an attempt that ends, or an action deleted, has left the line by the time
  // the watch asks whom it frees a slot for, and the next in line is woken, so none polls.
  actions.on('add', (action) => slots.track(action));
  actions.on('update', (action) => slots.track(action));
  actions.on('delete', (action) => slots.forget(action));
  controller.watch(actions, (action) => {
    const parent = parentIndexValue(action);
    const waiting = parent ? actions.byIndex(waitingForParentIndex, parent) : [];
    return [objectKey(action), ...waiting.map(objectKey), ...slots.wakeAfter(action)];
  });
  // A condition's deletion leaves no finalizer to record its Aborted event: the informer's
  // delete does, as Flyte's actions service reports it. A failed record is logged, not retried:
  // the object is gone, and with it anything to retry from.
  actions.on('delete', (action, deletion) => {
    const event = conditionDeletedEvent(action, deletion, new Date());
    if (!event) return;
    options.sink.record(event).catch((error: unknown) => {
      logger.warn(
        {
          error: error instanceof Error ? error.message : String(error),
          action: objectKey(action),
        },
        'Aborted event not recorded',
      );
    });
  });
  // An entry seen once the entries are synced; those the informer starts with are swept once
  // per namespace when it has synced (TaskActionController.start), from memory, not each as
  // its add comes, which would read the API server until the informer had synced.
  entries.on('add', (entry) => {
    if (entries.hasSynced()) collect(entry.metadata?.labels?.[cacheNamespaceLabel]);
  });
  // A namespace created again under an old name; its add as the informers start finds nothing
  // the start-up sweep does not.
  namespaces.on('add', (namespace) => {
    if (entries.hasSynced()) collect(namespace.metadata?.name);
  });
  namespaces.on('delete', (namespace) => collect(namespace.metadata?.name));
  controller.watch(entries, () => []);
  controller.watch(reservations, () => []);
  controller.watch(namespaces, () => []);
  for (const { informer, watched } of served) {
    if (informer.kind === 'read') {
      // Started and synced with the controller, but waking nothing: the engine reads these on
      // its attempt's next status check.
      controller.watch(watched, () => []);
      continue;
    }
    const { conventions } = informer;
    controller.watch(watched, (obj) => {
      const owner = executionOwnerKey(obj.metadata, conventions);
      const key = owner && actionKeyOf(owner);
      // An action outside the watched namespace is another controller's, sharing the execution
      // namespace: its Jobs are not this one's to judge, orphaned or not.
      const outside = options.watchNamespace && !key?.startsWith(`${options.watchNamespace}/`);
      return key && !outside ? [key] : [];
    });
  }
  return { controller, cache };
}

/**
 * The TaskAction controller, whose cache collector sweeps while it runs: each start hands the
 * collector its signal, so sweeps stop with the controller (a standby, or a leader that lost
 * its lease, deletes nothing), and once the entries have synced, sweeps every namespace they
 * name once: what a crash left, or a namespace deleted while no controller ran. A Lease expires
 * with no event to wake anyone, so every namespace the reservations name is swept once both the
 * reservations and the actions have synced and then every `reservationSweepMs`, while the
 * controller runs; the renewer renews the reservations of actions under way from then until the
 * controller stops. Until the actions have synced no Lease is collected at all (a holder not yet
 * seen is not yet known to be one under way).
 */
class TaskActionController extends Controller {
  readonly #sweeps: CacheSweeps;

  constructor(sweeps: CacheSweeps, options: ControllerOptions) {
    super(options);
    this.#sweeps = sweeps;
  }

  override start(signal: AbortSignal): Promise<void> {
    const { collector, entries, reservations, reservationSweepMs, collect, renewer, actions } =
      this.#sweeps;
    collector.runUntil(signal);
    const run = super.start(signal);
    // super.start has started the informers: this is that same start, resolved once synced,
    // rejected when stopped first (nothing to sweep then).
    entries
      .start()
      .then(() => {
        const named = entries.list().map((entry) => entry.metadata?.labels?.[cacheNamespaceLabel]);
        for (const namespace of new Set(named)) collect(namespace);
      })
      .catch(() => {});
    // The renewer and the sweeps wait for the actions too: a Lease whose holder is an action
    // under way is its holder's however long ago it was renewed, and one not yet seen is not yet
    // known to be one.
    Promise.all([reservations.start(), actions.start()])
      .then(() => {
        if (signal.aborted) return;
        renewer.runUntil(signal);
        const sweepReservations = () => {
          const named = reservations.list().map((l) => l.metadata?.labels?.[cacheNamespaceLabel]);
          for (const namespace of new Set(named)) collect(namespace);
        };
        sweepReservations();
        const timer = setInterval(sweepReservations, reservationSweepMs);
        signal.addEventListener('abort', () => clearInterval(timer), { once: true });
      })
      .catch(() => {});
    return run;
  }
}

/**
 * The cache collector, the informers of the entries and of the reservations, how often the
 * reservations are swept, who asks for a namespace's sweep, and the reservations' renewer with
 * the informer of the actions it renews for.
 */
interface CacheSweeps {
  readonly collector: CacheCollector;
  readonly entries: Informer<KubeObject>;
  readonly reservations: Informer<KubeObject>;
  readonly reservationSweepMs: number;
  readonly collect: (namespace: string | undefined) => void;
  readonly renewer: ReservationRenewer;
  readonly actions: Informer<KubeObject>;
}
/**
 * A Namespace as the controller keeps it: its name, uid and creation time (an entry stored
 * before it was created is an earlier namespace's), which is all it reads, so a
 * cluster's namespaces cost little memory.
 */
function namespaceIdentity(namespace: KubeObject): KubeObject {
  const { name, uid, resourceVersion, creationTimestamp } = namespace.metadata ?? {};
  return { metadata: { name, uid, resourceVersion, creationTimestamp } };
}
