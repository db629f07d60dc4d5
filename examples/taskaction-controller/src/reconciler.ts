/**
 * The TaskAction reconciler, past 350 lines because its steps (launch, observe, relaunch, fail,
 * finish) judge attempts against the same two retry budgets and write through the same
 * transition writer and cache reservation; the pure rules (phases, conditions, budgets,
 * routing) live in @roundhouse/controller and the files beside this one.
 */

import type { ReservationSightings } from '@roundhouse/controller';
import {
  type ActionPhase,
  addFinalizerIfValid,
  attemptsOf,
  type EventRecorder,
  type EventSink,
  type Failure,
  isTerminalActionPhase,
  markFailed,
  markLaunched,
  markObservationFailed,
  markProgress,
  markQueued,
  markRejected,
  markRelaunched,
  markSucceeded,
  nextStep,
  phaseOf,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type RetryPolicy,
  splitKey,
  systemRetryDelay,
} from '@roundhouse/controller';
import {
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
  type Registry,
  ResourceLockedError,
} from '@roundhouse/core';
import type { KubeClient, KubeObject, KubernetesApiError, Reader } from '@roundhouse/kube';
import { abortAction, isLabelledFinished, labelFinished } from './abort.js';
import type { ActionCopies } from './action-copies.js';
import { inActionTerms } from './action-fields.js';
import { attemptExecution, maxAttemptsOf, outputUriOf, refuseAttemptNumber } from './attempt.js';
import {
  attemptLaunched,
  attemptResourceConflict,
  attemptResourceState,
} from './attempt-resource.js';
import { type AttemptSlots, passSlotGate } from './attempt-slot-gate.js';
import { slotRecheckMs } from './attempt-slots.js';
import { cachePolicyOf } from './cache.js';
import { passCacheGate } from './cache-gate.js';
import { CacheStore } from './cache-store.js';
import { advanceConditionAction } from './condition-reconcile.js';
import type { ActionEvent } from './events.js';
import { engineCallFailure, observe, type ResourceState } from './failure.js';
import { failingAsLastAttempt } from './last-attempt.js';
import type { OrphanedExecutions } from './orphaned-executions.js';
import {
  type ActionDirectory,
  AmbiguousParentActionError,
  hasActionOwner,
  ownByParent,
  ownByParentIfPresent,
} from './parent.js';
import { reservationIndex } from './reservation-renewal.js';
import { abortFinalizer, taskActions } from './resource.js';
import { defaultRouting, type TaskTypeRouting } from './routing.js';
import {
  isConditionAction,
  type Rejection,
  refuseAttempt,
  resolveConditionAction,
  resolveTaskAction,
  type TaskAction,
  type TaskActionView,
  taskActionView,
  validateTaskAction,
} from './spec.js';
import { defaultAttemptTimeouts } from './timeout-policy.js';
import { applies, cached, type Expected, TransitionWriter, trustsCache } from './transition.js';

export interface TaskActionReconcilerOptions {
  /** Writes status, finalizers and labels. */
  readonly client: KubeClient;
  /** Reads TaskActions and execution resources; the controller's cache. */
  readonly reader: Reader;
  /**
   * The TaskAction informer with `actionNameIndex`, where a child finds its parent, and into
   * which every TaskAction this controller writes is observed.
   */
  readonly actions: ActionDirectory & ActionCopies;
  readonly registry: Registry;
  readonly routing?: TaskTypeRouting | undefined;
  /** Where execution resources (Jobs) are created, and the action cache lives. */
  readonly executionNamespace: string;
  /** Images a task may run (see `refuseImage`); empty refuses every one. */
  readonly allowedImages: readonly string[];
  /** The longest `taskTemplate.timeout` a task may set (see `refuseTimeout`); default 24h. */
  readonly maxTimeout?: string | undefined;
  /** Every status change is recorded here first. */
  readonly sink: EventSink<ActionEvent>;
  /** Consecutive system failures tolerated; default 3. */
  readonly maxSystemFailures?: number | undefined;
  /** Wait before a relaunch after a system failure; default 10 s doubling to 5 min. */
  readonly systemBackoffMs?: { readonly initial: number; readonly max: number } | undefined;
  /**
   * A running action is looked at again this often even without an event; also the cache
   * reservations' heartbeat, by which a Lease taken here lasts (`ReservationRenewer` renews it
   * once a heartbeat, off the work queue); default 10 s.
   */
  readonly resyncMs?: number | undefined;
  /**
   * When the controller first saw each cache reservation Lease as it stands, shared with its
   * renewer and collector: a waiter judges a Lease expired by that, never by its `renewTime`.
   */
  readonly sightings: ReservationSightings;
  readonly events?: EventRecorder | undefined;
  /** Execution resources whose action went without its abort; deleted as their key is reconciled. */
  readonly orphans?: Pick<OrphanedExecutions, 'has' | 'release'> | undefined;
  /** The per-namespace cap on attempts in flight (`--max-attempts-per-namespace`); none without. */
  readonly slots?: AttemptSlots | undefined;
  /**
   * The most cache entries one namespace keeps (`--max-cache-entries-per-namespace`), counted in
   * `reader`, which must hold an informer of the entries; no bound without.
   */
  readonly maxCacheEntriesPerNamespace?: number | undefined;
  readonly now?: (() => Date) | undefined;
}

/**
 * The reason of the Kubernetes Event for a refused spec: Flyte's executor's (`FailedValidation`,
 * `FailedPluginResolve`, taskaction_controller.go), so an alert or a field selector written for
 * Flyte finds it; the condition keeps the phase as its reason.
 */
const rejectionEventReasons: Record<Rejection, string> = {
  InvalidSpec: 'FailedValidation',
  PluginNotFound: 'FailedPluginResolve',
};

/** Flyte's `requeueDuration`: how often a running action is looked at without an event. */
export const defaultResyncMs = 10_000;

const observing: readonly ActionPhase[] = ['Initializing', 'Executing'];

/**
 * Drives a TaskAction: validate (before any finalizer) -> Queued -> launch attempt n ->
 * Initializing -> Executing -> Completed, with failed attempts judged by the two retry budgets
 * and deletion aborting the execution. Every status change is recorded in the event sink
 * first. Each step is safe to repeat: a step decided from a lagging cache applies only if the
 * live status is still the one it was decided for.
 */
export class TaskActionReconciler implements Reconciler {
  readonly #o: TaskActionReconcilerOptions & {
    readonly routing: TaskTypeRouting;
    readonly resyncMs: number;
    readonly maxTimeout: string;
    readonly now: () => Date;
  };
  readonly #cache: CacheStore;
  readonly #transitions: TransitionWriter;

  constructor(options: TaskActionReconcilerOptions) {
    this.#o = {
      routing: defaultRouting,
      resyncMs: defaultResyncMs,
      maxTimeout: defaultAttemptTimeouts.maxTimeout,
      now: () => new Date(),
      ...options,
    };
    this.#cache = new CacheStore({
      client: this.#o.client,
      namespace: this.#o.executionNamespace,
      heartbeatMs: this.#o.resyncMs,
      sightings: this.#o.sightings,
      holdersOf: (leaseName) => this.#o.actions.byIndex(reservationIndex, leaseName),
      bound:
        this.#o.maxCacheEntriesPerNamespace === undefined
          ? undefined
          : { reader: this.#o.reader, max: this.#o.maxCacheEntriesPerNamespace },
    });
    this.#transitions = new TransitionWriter(
      this.#o.client,
      this.#o.sink,
      this.#o.now,
      this.#o.actions,
      this.#o.events,
    );
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    const { client, reader, actions, routing, registry, allowedImages, maxTimeout } = this.#o;
    const object = await reader.get<KubeObject>(taskActions, namespace, name, {
      signal: ctx.signal,
    });
    await this.#releaseOrphans(key, object, ctx);
    if (!object) return undefined;
    if (object.metadata?.deletionTimestamp) {
      await abortAction(object, {
        ...this.#o,
        cache: this.#cache,
        signal: ctx.signal,
        logger: ctx.logger,
      });
      return undefined;
    }
    const view = taskActionView(object);
    if (isTerminalActionPhase(phaseOf(view.status))) {
      await this.#finish(object, view, ctx);
      return undefined;
    }
    if (isConditionAction(view)) {
      const resolved = resolveConditionAction(object);
      if (!resolved.valid)
        return this.#reject(object, view, resolved.reason, resolved.message, ctx);
      return advanceConditionAction(object, view, resolved.value, ctx, {
        client,
        actions,
        transitions: this.#transitions,
        now: this.#o.now,
      });
    }
    const admitted = await addFinalizerIfValid(
      client,
      taskActions,
      object,
      abortFinalizer,
      (o) => validateTaskAction(o, routing, registry, allowedImages, maxTimeout),
      { signal: ctx.signal },
    );
    if (!admitted.valid) return this.#reject(object, view, admitted.reason, admitted.message, ctx);
    const { action, engine } = admitted.value;
    if (admitted.object !== object) actions.observe(admitted.object);
    if (action.spec.parentActionName && !hasActionOwner(admitted.object)) {
      // Only a new action waits for its parent. One already under way had it and lost it (its
      // parent deleted with `--cascade=orphan`): it goes on unowned, as it would not if it waited
      // here, ahead of the slot gate, at the head of its namespace's line or holding its slot.
      const owned =
        phaseOf(action.status) === undefined
          ? await this.#ownByParent(admitted.object, action, ctx)
          : await ownByParentIfPresent(admitted.object, action, {
              client,
              actions,
              signal: ctx.signal,
            });
      if (owned) actions.observe(owned);
    }
    const step = nextStep(action.status, this.#o.now());
    switch (step.step) {
      case 'queue':
        await this.#transitions.write(view, (s, at) => markQueued(s, at), ctx);
        return undefined;
      case 'launch': {
        // A Queued status proves no admission: a signaller may write any status field. So the
        // attempt is judged again before its Job exists; a running one is never failed, also
        // when a controller stopped between creating its Job and saying so: it was allowed then.
        const refusedAttempt = refuseAttempt(action.spec.taskTemplate, allowedImages, maxTimeout);
        const pastLast = refuseAttemptNumber(action);
        const refused = refusedAttempt ?? pastLast;
        if (
          refused !== undefined &&
          (pastLast !== undefined || !(await this.#launchedAlready(action, engine, ctx)))
        ) {
          return this.#reject(admitted.object, view, 'InvalidSpec', refused, ctx);
        }
        return this.#launch(action, engine, ctx);
      }
      case 'observe':
        return this.#observe(action, engine, ctx);
      case 'relaunch': {
        // After a USER failure the next attempt follows. The controller fails an action whose
        // last attempt failed, so only a forged status relaunches past it, and the count it would
        // write is past the CRD's maximum: refused here, not retried against the API server.
        const next = attemptsOf(action.status) + (step.kind === 'USER' ? 1 : 0);
        const refused = refuseAttemptNumber(action, next);
        if (refused !== undefined) {
          return this.#reject(admitted.object, view, 'InvalidSpec', refused, ctx);
        }
        return this.#relaunch(action, engine, step.kind, ctx);
      }
      case 'wait':
        return { requeueAfter: step.ms };
      case 'done':
        return undefined;
    }
  }

  /**
   * Deletes the execution resources of `key` that no live action owns (see OrphanedExecutions).
   * An action the cache does not hold is looked up on the API server first, and only when
   * something names it: a cache that has not yet seen an action must not pass for its absence.
   */
  async #releaseOrphans(
    key: string,
    cachedAction: KubeObject | null,
    ctx: ReconcileContext,
  ): Promise<void> {
    const { orphans, client } = this.#o;
    if (!orphans?.has(key)) return;
    const { namespace, name } = splitKey(key);
    const action =
      cachedAction ??
      (await client.get<KubeObject>(taskActions, namespace, name, { signal: ctx.signal }));
    await orphans.release(key, action, ctx.signal);
  }

  /** Whether the current attempt's own Job exists, read on the API server. */
  async #launchedAlready(
    action: TaskAction,
    engine: string,
    ctx: ReconcileContext,
  ): Promise<boolean> {
    const executor = this.#o.registry.get(engine);
    const wfe = attemptExecution(action, attemptsOf(action.status), engine);
    const { executionNamespace, client } = this.#o;
    return attemptLaunched(executor, wfe, executionNamespace, client, ctx.signal);
  }

  /**
   * A finished action gives up its cache reservation (after a success, a failure or a hit; so
   * one place serves them all), then is labelled for the garbage collector. The labels come
   * last: a labelled action has nothing left to release.
   */
  async #finish(object: KubeObject, view: TaskActionView, ctx: ReconcileContext): Promise<void> {
    const { client, actions, routing, registry } = this.#o;
    const { runName, parentActionName } = view.spec;
    // A condition that ended, or a spec refused, before its parent existed: still part of the
    // tree, so deleting the root takes it too.
    if (runName && parentActionName && !hasActionOwner(object)) {
      const action = { metadata: view.metadata, spec: { runName, parentActionName } };
      const owned = await ownByParentIfPresent(object, action, {
        client,
        actions,
        signal: ctx.signal,
      });
      if (owned) actions.observe(owned);
    }
    if (isLabelledFinished(object, view)) return;
    const resolved = isConditionAction(view)
      ? undefined
      : resolveTaskAction(object, routing, registry);
    const policy = resolved?.valid ? cachePolicyOf(resolved.value.action) : undefined;
    if (policy) await this.#cache.release(policy, { now: this.#o.now(), signal: ctx.signal });
    // The last attempt's Job has no TTL (see taskJobExecutor) and goes now, before the labels
    // say nothing is left: also one still running when the action ended (a status too large to
    // store, the system budget spent on looks at it). Deleting a Job already gone is a no-op.
    if (resolved?.valid) {
      const { action, engine } = resolved.value;
      const wfe = attemptExecution(action, attemptsOf(view.status), engine);
      await registry.get(engine).cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal });
    }
    const labelled = await labelFinished(object, view, {
      client,
      now: this.#o.now(),
      signal: ctx.signal,
    });
    if (labelled) actions.observe(labelled);
  }

  /**
   * Takes the action's parent as its owner. A parent several actions claim to be is shown on the
   * action as a Warning Event, since its author cannot tell otherwise why it waits.
   */
  async #ownByParent(
    object: KubeObject,
    action: TaskAction,
    ctx: ReconcileContext,
  ): Promise<KubeObject> {
    const { client, actions } = this.#o;
    try {
      return await ownByParent(object, action, { client, actions, signal: ctx.signal });
    } catch (error) {
      if (error instanceof AmbiguousParentActionError) {
        void this.#o.events?.record(object, 'Warning', 'AmbiguousParentAction', error.message, {
          key: 'AmbiguousParentAction',
        });
      }
      throw error;
    }
  }

  /** No requeue: the spec is immutable, so nothing but a new object can change the verdict. */
  async #reject(
    object: KubeObject,
    view: TaskActionView,
    reason: Rejection,
    message: string,
    ctx: ReconcileContext,
  ): Promise<undefined> {
    await this.#transitions.write(view, (s, at) => markRejected(s, reason, message, at), ctx);
    // Keyed: a retry that finds the status already written reports it again, as the same Event.
    void this.#o.events?.record(object, 'Warning', rejectionEventReasons[reason], message, {
      key: reason,
    });
    return undefined;
  }

  async #launch(
    action: TaskAction,
    engine: string,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const attempt = attemptsOf(action.status);
    const expected = { attempt, phases: ['Queued'] } as const;
    // Launching from a lagging cache could start an attempt the status has already moved past.
    // Only this controller moves it, and the cache holds what it wrote (see `trustsCache`).
    if (!trustsCache(ctx)) {
      const live = await this.#o.client.get<KubeObject>(
        taskActions,
        action.metadata.namespace,
        action.metadata.name,
        { signal: ctx.signal },
      );
      if (!live || !applies(taskActionView(live).status, expected)) return undefined;
    }
    const executor = this.#o.registry.get(engine);
    const wfe = attemptExecution(action, attempt, engine);
    const reader = trustsCache(ctx) ? this.#o.reader : this.#o.client;
    const { executionNamespace, slots } = this.#o;
    const launched = () => attemptLaunched(executor, wfe, executionNamespace, reader, ctx.signal);
    if (slots) {
      const gate = { slots, transitions: this.#transitions, launched };
      if ((await passSlotGate(action, expected, ctx, gate)) !== 'run') {
        return { requeueAfter: slotRecheckMs(this.#o.resyncMs) };
      }
    }
    try {
      return await this.#launchAttempt(action, engine, expected, launched, ctx);
    } finally {
      slots?.release(action);
    }
  }

  /** Launches the attempt `expected` names, its slot (if capped) held. */
  async #launchAttempt(
    action: TaskAction,
    engine: string,
    expected: Expected,
    launched: () => Promise<boolean>,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const { attempt } = expected;
    const policy = cachePolicyOf(action);
    const executor = this.#o.registry.get(engine);
    const wfe = attemptExecution(action, attempt, engine);
    const { executionNamespace } = this.#o;
    // An attempt whose Job exists was launched by a controller that stopped before its status
    // said so: it goes on (the create adopts the Job) without asking the cache again, where a
    // hit since would end the action Completed while its Job ran on unobserved.
    if (policy && !(await launched())) {
      const gated = await passCacheGate(action, policy, expected, ctx, {
        cache: this.#cache,
        transitions: this.#transitions,
        resyncMs: this.#o.resyncMs,
        now: this.#o.now,
      });
      if (gated !== 'run') return gated;
    }
    let resourceName: string;
    try {
      ({ resourceName } = await executor.create(wfe, this.#o.executionNamespace, {
        signal: ctx.signal,
      }));
    } catch (error) {
      const failure = engineCallFailure(inActionTerms(error, action.spec));
      if (!failure) throw error;
      // The name is held by an object this attempt does not own: one that is not on its way out
      // is a conflict no relaunch can mend (see attemptResourceConflict).
      const held =
        error instanceof ResourceLockedError || error instanceof PreviousExecutionNotCleanedError;
      const conflict =
        held &&
        (await attemptResourceConflict(
          executor,
          wfe,
          executionNamespace,
          this.#o.client,
          ctx.signal,
        ));
      return this.#fail(action, conflict || failure, expected, ctx);
    }
    const message = `${engine} execution ${this.#o.executionNamespace}/${resourceName} created for attempt ${attempt}`;
    await this.#transitions.write(
      action,
      (s, at) => cached(markLaunched(s, message, at), policy && 'CACHE_MISS'),
      ctx,
      expected,
    );
    return { requeueAfter: this.#o.resyncMs };
  }

  async #observe(
    action: TaskAction,
    engine: string,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const attempt = attemptsOf(action.status);
    const expected = { attempt, phases: observing };
    const executor = this.#o.registry.get(engine);
    const wfe = attemptExecution(action, attempt, engine);
    // A reservation it holds is renewed by the controller's ReservationRenewer, off the queue.
    const policy = cachePolicyOf(action);
    let result: ExecutionResult | null;
    let resource: ResourceState;
    try {
      [result, resource] = await Promise.all([
        executor.getStatus(wfe, this.#o.executionNamespace, { signal: ctx.signal }),
        attemptResourceState(executor, wfe, this.#o.executionNamespace, this.#o.reader, ctx.signal),
      ]);
    } catch (error) {
      const failure = engineCallFailure(error);
      if (!failure) throw error;
      return this.#observationFailed(action, failure, expected, ctx);
    }
    // Another object under the attempt's name, and none of the attempt's own: confirmed on the
    // API server, as a cache that has not yet seen this attempt's Job replace it would be wrong.
    if (result === null && resource === 'foreign') {
      const conflict = await attemptResourceConflict(
        executor,
        wfe,
        this.#o.executionNamespace,
        this.#o.client,
        ctx.signal,
      );
      if (conflict) return this.#fail(action, conflict, expected, ctx);
      return { requeueAfter: this.#o.resyncMs };
    }
    const seen = observe(result, resource);
    switch (seen.kind) {
      case 'progress':
        await this.#transitions.write(
          action,
          (s, at) => markProgress(s, seen.phase, seen.message, at),
          ctx,
          expected,
        );
        return { requeueAfter: this.#o.resyncMs };
      case 'succeeded': {
        const outputUri = outputUriOf(action.spec, attempt);
        // The entry goes first: an action shown Completed CACHE_POPULATED has populated the
        // cache. One the cache refused completes all the same, CACHE_PUT_FAILURE.
        const populate =
          policy &&
          (await this.#cache.populate(policy, outputUri, action.metadata, {
            now: this.#o.now(),
            signal: ctx.signal,
          }));
        const cacheStatus =
          populate && (populate.populated ? 'CACHE_POPULATED' : 'CACHE_PUT_FAILURE');
        const written = await this.#transitions.write(
          action,
          (s, at) => cached(markSucceeded(s, seen.message, at), cacheStatus),
          ctx,
          expected,
          { outputUri },
        );
        if (populate && !populate.populated) this.#reportPutFailure(written, populate.error, ctx);
        return undefined;
      }
      case 'failed':
        return this.#fail(action, seen.failure, expected, ctx);
    }
  }

  /** Aborts the failed attempt, then queues the next attempt (USER) or the same one (SYSTEM). */
  async #relaunch(
    action: TaskAction,
    engine: string,
    kind: Failure['kind'],
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const attempt = attemptsOf(action.status);
    const expected = { attempt, phases: ['RetryableFailure'] } as const;
    const executor = this.#o.registry.get(engine);
    const wfe = attemptExecution(action, attempt, engine);
    await executor.cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal });
    if (kind === 'SYSTEM') {
      // The same attempt takes the same name again. Creating it while the old resource is still
      // being deleted can only fail (and leaks quota on every try, Flyte #8066): it counts as a
      // system failure instead, so a resource that never goes away ends the action.
      const state = await attemptResourceState(
        executor,
        wfe,
        this.#o.executionNamespace,
        this.#o.client,
        ctx.signal,
      );
      if (state === 'foreign') {
        const conflict = await attemptResourceConflict(
          executor,
          wfe,
          this.#o.executionNamespace,
          this.#o.client,
          ctx.signal,
        );
        if (conflict) return this.#fail(action, conflict, expected, ctx);
      }
      if (state === 'present' || state === 'deleting') {
        const failure: Failure = {
          kind: 'SYSTEM',
          code: 'ResourceNotReleased',
          message: `the execution resource of attempt ${attempt} is still being deleted`,
          retryable: true,
        };
        return this.#fail(action, failure, expected, ctx);
      }
    }
    await this.#transitions.write(action, (s, at) => markRelaunched(s, at), ctx, expected);
    return undefined;
  }

  #retryPolicy(action: TaskAction): RetryPolicy {
    return {
      maxAttempts: maxAttemptsOf(action.spec),
      ...(this.#o.maxSystemFailures !== undefined
        ? { maxSystemFailures: this.#o.maxSystemFailures }
        : {}),
      ...(this.#o.systemBackoffMs ? { systemBackoffMs: this.#o.systemBackoffMs } : {}),
    };
  }

  async #fail(
    action: TaskAction,
    failure: Failure,
    expected: Expected,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    await this.#writeFailure(action, failure, expected, ctx, markFailed, 'attempt failed');
    return undefined;
  }

  /**
   * The attempt's state could not be read: a system failure in a row, its execution left as it
   * is, looked at again after the system backoff; past the budget the action fails for good.
   */
  async #observationFailed(
    action: TaskAction,
    failure: Failure,
    expected: Expected,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const { written, policy } = await this.#writeFailure(
      action,
      failure,
      expected,
      ctx,
      markObservationFailed,
      'reading the attempt failed',
    );
    const status = written && taskActionView(written).status;
    if (!status || phaseOf(status) === 'PermanentFailure') return undefined;
    return {
      requeueAfter: Math.min(
        this.#o.resyncMs,
        systemRetryDelay(status.systemFailures ?? 1, policy.systemBackoffMs),
      ),
    };
  }

  /** A failed attempt and a failed read both spend the retry budgets, and either may be the last. */
  async #writeFailure(
    action: TaskAction,
    failure: Failure,
    expected: Expected,
    ctx: ReconcileContext,
    mark: typeof markFailed,
    logMessage: string,
  ): Promise<{ written: KubeObject | null; policy: RetryPolicy }> {
    const policy = this.#retryPolicy(action);
    ctx.logger.info({ attempt: expected.attempt, ...failure }, logMessage);
    const judge = failingAsLastAttempt(mark);
    const written = await this.#transitions.write(
      action,
      (s, at) => judge(s, failure, policy, at),
      ctx,
      expected,
    );
    this.#reportPermanentFailure(written);
    return { written, policy };
  }

  /** A refused cache entry: the action completed, only later actions with its key miss. */
  #reportPutFailure(written: KubeObject | null, error: KubernetesApiError, ctx: ReconcileContext) {
    if (!written) return;
    ctx.logger.warn({ reason: error.reason, error: error.message }, 'cache entry not stored');
    const message = `the cache did not store this action's outputs (${error.reason}): ${error.message}`;
    void this.#o.events?.record(written, 'Warning', 'CachePutFailure', message, {
      key: 'CachePutFailure',
    });
  }

  #reportPermanentFailure(written: KubeObject | null): void {
    const status = written && taskActionView(written).status;
    if (!written || !status || phaseOf(status) !== 'PermanentFailure') return;
    const message = `${status.errorState?.code}: ${status.errorState?.message}`;
    void this.#o.events?.record(written, 'Warning', 'PermanentFailure', message, {
      key: 'PermanentFailure',
    });
  }
}
