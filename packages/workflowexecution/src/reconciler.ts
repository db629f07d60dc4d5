/**
 * The WorkflowExecution reconciler: one state machine, past 350 lines because every step of it
 * (start, observe, finish, cooldown, cleanup, finalize) shares the same parsed-version cache,
 * poll schedule and status-write path. The pure parts (status transitions, cooldown and target
 * index, policy, start-error classification) already live in files of their own; splitting the
 * steps apart would only hand that shared state from file to file.
 */
import {
  addFinalizer,
  type EventRecorder,
  findCondition,
  hasFinalizer,
  type Informer,
  objectKey,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  splitKey,
  updateStatus,
} from '@roundhouse/controller';
import {
  CleanupPendingError,
  type Condition,
  ConfigurationError,
  ConventionsMismatchError,
  type CreateResult,
  DeadlinePassedError,
  type Dependencies,
  type ExecutionResult,
  type FailureReason,
  formatGoDuration,
  isTerminalPhase,
  type Logger,
  noopLogger,
  PreviousExecutionNotCleanedError,
  parseTimeout,
  parseWorkflowExecution,
  type Registry,
  ResourceLockedError,
  RoundhouseError,
  reparseWorkflowExecution,
  requestedDependencies,
  timesOutAtMs,
  type WorkflowExecution,
  type WorkflowExecutionStatus,
  warningText,
} from '@roundhouse/core';
import {
  isKubernetesError,
  isStillStored,
  type KubeClient,
  type KubeObject,
  type Reader,
  removeFinalizerAsRead,
} from '@roundhouse/kube';
import { AdoptedResourceGoneError } from './adopted-resource-gone.js';
import { fallbackFailureReason } from './crd.js';
import {
  EngineNotDeclaredError,
  engineRequiredUnder,
  undeclaredEngine,
} from './declared-engine.js';
import { DependencyCheck } from './dependency-check.js';
import { type ExecutionPolicy, enforceExecutionPolicy } from './execution-policy.js';
import type { ExecutionsByTarget } from './executions-by-target.js';
import {
  classifyResult,
  classifyStartError,
  leavesStartPending,
  ranWorkflow,
  startErrorMessage,
} from './failure.js';
import { type Failure, failedEventMessage } from './failure-report.js';
import type { KindDiscovery } from './kind-discovery.js';
import {
  adoptedTransition,
  conditionWarning,
  cooldownActive,
  type EventMode,
  engineNotDeclared,
  engineUnavailable,
  executionCreated,
  executionWarnings,
  phaseTransition,
  type ReportedEvent,
  resourceAdopted,
  workflowCompleted,
  workflowExecutionDeleted,
  workflowValidated,
  workflowValidationFailed,
} from './lifecycle-events.js';
import type { CreatedResource, OrphanedResources } from './orphaned-resources.js';
import { OutcomeCount } from './outcome-count.js';
import type { OutcomeMetrics } from './outcome-metrics.js';
import { PollSchedule, recheckHint } from './poll-schedule.js';
import {
  type StatusView,
  statusView,
  targetOf,
  type WorkflowExecutionApi,
  workflowExecutionApi,
} from './resource.js';
import { salvagedExecution } from './salvaged-execution.js';
import { markStalled } from './stalled.js';
import { startWarnings } from './start-warnings.js';
import {
  cleanedUp,
  conditionTypes,
  cooldownRemaining,
  finishedAt,
  markCompleted,
  markCompletionTime,
  markCooldownActive,
  markCreateFailed,
  markFailed,
  markLockedByRun,
  markLockReleased,
  markRunning,
  markWaiting,
  ranSeconds,
} from './status.js';
import { reportedText } from './status-message.js';
import { type UnrecordedStart, unrecordedStart } from './unrecorded-start.js';

/*
 * This file is over 350 lines because it is one state machine: every transition of a
 * WorkflowExecution is a method here, and the pure parts (status transitions, failure
 * classification, policy, the poll schedule, the target index) already live apart.
 */

/**
 * The default `deadlineGraceMs`: a pod's default terminationGracePeriodSeconds (30 s), which a
 * workload stopped at its deadline may use in full before its engine can report, and as much
 * again for the kubelet's kill, the Job controller's verdict and its watch event to arrive.
 * kubernaut has no deadline of its own and waits for the engine's verdict however long it takes.
 */
export const defaultDeadlineGraceMs = 60_000;

/**
 * How often a stalled execution (#stalled) is looked at again: it changes only when the
 * controller is restarted under other conventions, which looks at every execution anyway, so
 * this only bounds how long one that another change freed waits.
 */
const stalledRecheckMs = 5 * 60_000;

/**
 * How long an execution confirmed gone is taken for gone without asking the API server again
 * (#goneConfirmed): long enough for the watch events of its resources' removal to arrive on a
 * busy API server, short enough that what it keeps stays small.
 */
const vanishedMemoryMs = 30_000;

export interface WorkflowExecutionReconcilerOptions {
  /** Writes status and finalizers. */
  readonly client: KubeClient;
  /**
   * Failure reasons the installed CRD does not list (`checkWorkflowExecutionCrd`), written as
   * `Unknown` so the API server takes the failure: kubernaut's own CRD and ExecutionResourceDeleted.
   */
  readonly unlistedFailureReasons?: readonly FailureReason[] | undefined;
  /** The group executions are served under, and their finalizer; default roundhouse.dev's. */
  readonly api?: WorkflowExecutionApi | undefined;
  /** Reads WorkflowExecutions; the controller's cache, which confirms a miss live. */
  readonly reader: Reader;
  readonly registry: Registry;
  /**
   * The WorkflowExecution informer; what the controller writes is observed into it, so the
   * reconcile a write wakes reads that write.
   */
  readonly executions: Pick<Informer<KubeObject>, 'observe' | 'get'>;
  /** The executions on each target, following that informer (`ExecutionsByTarget.following`). */
  readonly targets: Pick<
    ExecutionsByTarget,
    'cooldownBlocking' | 'heldByAnother' | 'waitingUnseen' | 'exclusiveStart' | 'claim' | 'actedOn'
  >;
  /**
   * The cluster's kinds from discovery: a start whose target names a kind not known yet is
   * requeued until a read that began after the execution was created has ended
   * (`KindDiscovery.learnKindOf`); without it, targets are compared by Kubernetes' own kinds.
   */
  readonly kinds?: Pick<KindDiscovery, 'learnKindOf'> | undefined;
  /** Where execution resources (Jobs, PipelineRuns) are created. */
  readonly executionNamespace: string;
  /** What executions may ask for (ServiceAccounts, bundles, dependencies). */
  readonly policy: ExecutionPolicy;
  /** Reconcile WorkflowExecutions in this namespace only; default all. */
  readonly watchNamespace?: string | undefined;
  /** Time a target stays locked after an execution on it finished; default 5 minutes. */
  readonly cooldownMs?: number | undefined;
  /** `fail` a second execution on a busy target (default), or `wait` in Pending. */
  readonly lockPolicy?: 'fail' | 'wait' | undefined;
  /**
   * Fail an execution that names no engine (ConfigurationError, before anything is created)
   * instead of running it as `tekton`; default true under `kubernaut.ai`, whose CRD has no
   * default engine and whose controller refuses such an execution (see declared-engine.ts).
   */
  readonly engineRequired?: boolean | undefined;
  /** Engines without a watch are polled, starting here and doubling; default 2 s to 30 s. */
  readonly pollIntervalMs?: { readonly initial: number; readonly max: number } | undefined;
  /** Re-check of watched engines in case an event was missed; default 60 s. */
  readonly resyncMs?: number | undefined;
  /**
   * The deadline of an execution that sets no `executionConfig.timeout`; default 1 hour. Past
   * its deadline (and a grace period for the engine's own timeout to report first) an
   * execution is stopped and fails with DeadlineExceeded, whatever the engine: nothing runs
   * forever.
   */
  readonly defaultTimeoutMs?: number | undefined;
  /**
   * How long past its deadline an execution is left for its engine to report the timeout
   * itself; default 60 s (defaultDeadlineGraceMs). An engine that stops a workload at the
   * deadline (a Job's activeDeadlineSeconds) reports it only once its pods have terminated,
   * which takes up to their terminationGracePeriodSeconds: a grace no longer than that stops the
   * workload here first, and its exit code is lost.
   */
  readonly deadlineGraceMs?: number | undefined;
  /**
   * Engines whose execution resources are watched, so events wake the reconciler and it only
   * resyncs slowly; every other engine is polled. Default none.
   */
  readonly watchedEngines?: ReadonlySet<string> | undefined;
  /**
   * The watched execution resources by owner, so those of an execution that went without its
   * finalizer (and without this process knowing it) are deleted once it is confirmed gone, or
   * once another execution of the same name starts; and so a start that made its resource
   * before a restart, its status not saying so yet, holds its target (`createdFor`).
   */
  readonly orphans?: Pick<OrphanedResources, 'release' | 'createdFor' | 'holds'> | undefined;
  /**
   * Supplies dependencies from elsewhere (kubernaut asks its catalog); default what the spec
   * lists (`requestedDependencies`). No admission policy sees what it returns, and the author
   * still picks the engine: key them to the workflow and its engine, never hand a Secret to an
   * engine that runs the author's own code. `signal` is the reconcile's: it aborts on shutdown and on a
   * lost lease, and a hook that ignores it keeps its reconcile (and the lease, see
   * `keepLeaseWhile`) until it settles.
   */
  readonly resolveDependencies?:
    | ((wfe: WorkflowExecution, signal: AbortSignal) => Promise<Dependencies | undefined>)
    | undefined;
  /**
   * The parameter names the execution's workflow declares (kubernaut asks its catalog); the
   * executor drops any other parameter (`CreateOptions.declaredParameterNames`). Default: no
   * schema, every parameter passes. `signal` as for `resolveDependencies`.
   */
  readonly resolveDeclaredParameters?:
    | ((wfe: WorkflowExecution, signal: AbortSignal) => Promise<readonly string[] | undefined>)
    | undefined;
  readonly events?: EventRecorder | undefined;
  /** Counts each execution's end once, by the controller that recorded it. */
  readonly outcomes?: OutcomeMetrics | undefined;
  /**
   * Which Events `events` records: `outcome` (default) one per lifecycle, at its end;
   * `lifecycle` kubernaut's at every step as well (see lifecycle-events.ts).
   */
  readonly eventMode?: EventMode | undefined;
  readonly logger?: Logger | undefined;
  readonly now?: (() => Date) | undefined;
}

/**
 * Drives one WorkflowExecution through validate -> finalizer -> cooldown -> policy ->
 * create -> Running -> Completed/Failed -> cooldown -> cleanup, and runs cleanup before a
 * deleted execution goes. Every step is safe to repeat: a restarted controller picks up where
 * the status says it was, and the executors' idempotent create adopts what a crashed run
 * already created.
 */
export class WorkflowExecutionReconciler implements Reconciler {
  readonly #o: Required<
    Omit<
      WorkflowExecutionReconcilerOptions,
      | 'events'
      | 'kinds'
      | 'orphans'
      | 'outcomes'
      | 'resolveDependencies'
      | 'resolveDeclaredParameters'
      | 'watchNamespace'
    >
  > &
    Pick<
      WorkflowExecutionReconcilerOptions,
      | 'events'
      | 'kinds'
      | 'orphans'
      | 'outcomes'
      | 'resolveDependencies'
      | 'resolveDeclaredParameters'
      | 'watchNamespace'
    >;
  readonly #polls: PollSchedule;
  /** The last version of each execution parsed, until its lock is released (see #parse). */
  readonly #parsed = new Map<string, WorkflowExecution>();
  /**
   * The uid and stage of each execution whose cleanup waits, once its Event is recorded: a
   * wait is looked at every few seconds, and a keyed Event recorded again is one more request.
   */
  readonly #cleanupPendingNoted = new Map<string, string>();
  /**
   * The uid of each execution whose resource this process removed when it failed before the
   * workflow ran (#finish), until its lock is released. The resource's cached copy lags the
   * delete by a watch event, and the engine's read of a resource gone from the cache goes to
   * the API server: a look in the cooldown (#stopGivenUpStart), the release and the
   * finalization would each delete a resource already deleted, or read that it is gone.
   */
  readonly #removed = new Map<string, string>();
  /**
   * The uid of each execution whose deletion this process's finalizer removal completed (it
   * took off the last finalizer), until the cache has dropped it (see #goneHere).
   */
  readonly #deletedHere = new Map<string, string>();
  /**
   * The keys of executions confirmed gone whose watched resources were removed, with when (see
   * #goneConfirmed).
   */
  readonly #vanished = new Map<string, { readonly at: number; last: boolean }>();
  readonly #dependencies: DependencyCheck;
  readonly #outcomes: OutcomeCount;

  constructor(options: WorkflowExecutionReconcilerOptions) {
    // A negative cooldown would read as none, silently: no target held after an execution.
    const { cooldownMs } = options;
    if (cooldownMs !== undefined && !(Number.isFinite(cooldownMs) && cooldownMs >= 0)) {
      throw new ConfigurationError({
        path: 'cooldownMs',
        message: 'must be a number of milliseconds, 0 for none or left out for 5 minutes',
      });
    }
    const api = options.api ?? workflowExecutionApi();
    this.#o = {
      cooldownMs: 5 * 60_000,
      lockPolicy: 'fail',
      eventMode: 'outcome',
      pollIntervalMs: { initial: 2_000, max: 30_000 },
      resyncMs: 60_000,
      defaultTimeoutMs: 60 * 60_000,
      deadlineGraceMs: defaultDeadlineGraceMs,
      logger: noopLogger,
      now: () => new Date(),
      watchedEngines: new Set<string>(),
      ...options,
      api,
      engineRequired: options.engineRequired ?? engineRequiredUnder(api.resource.group),
      unlistedFailureReasons: options.unlistedFailureReasons ?? [],
    };
    const { initial, max } = this.#o.pollIntervalMs;
    this.#polls = new PollSchedule(initial, max, () => this.#o.now().getTime());
    this.#dependencies = new DependencyCheck(this.#o.client, this.#o.policy);
    this.#outcomes = new OutcomeCount(this.#o.outcomes);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    try {
      return await this.#reconcile(key, ctx);
    } catch (error) {
      // An engine waiting for its resource to finish (a graceful cancel's finally) has failed at
      // nothing: look again when it asks, and let the next real failure back off from scratch.
      if (error instanceof CleanupPendingError && !ctx.signal.aborted)
        return { requeueAfter: error.retryAfterSeconds * 1000 };
      if (error instanceof ConventionsMismatchError && !ctx.signal.aborted)
        return this.#stalled(key, error, ctx);
      throw error;
    }
  }

  /**
   * The execution's own resource was made under the other conventions preset (a controller
   * restarted with another `--conventions`), wherever this pass met it: a start, a status
   * read, a stop, a cleanup. Nothing here can act on that resource, and nothing about the
   * execution is decided from it: failing it, or marking its resource deleted, would leave the
   * run going and the target locked under an execution that says it ended; a deletion keeps its
   * finalizer, since the cleanup did not run. The execution says so (Stalled, with the error's
   * reason and message, and one Warning Event) and is looked at again after a fixed while, not
   * with a growing backoff: no watch event wakes it, the informers selecting only this preset's
   * labels, and a controller restarted under the resource's preset picks it up at once.
   */
  async #stalled(
    key: string,
    error: ConventionsMismatchError,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    ctx.logger.warn({ key, reason: error.reason }, error.message);
    const { namespace, name } = splitKey(key);
    const object = await this.#o.reader.get<KubeObject>(this.#o.api.resource, namespace, name, {
      signal: ctx.signal,
    });
    if (object) {
      // Found: the Stalled write is all that is left, and nothing else reads it.
      ctx.releaseWorker?.();
      await this.#writeReported(
        statusView(object),
        (c) => markStalled(c, error.reason, error.message, this.#o.now()),
        [{ type: 'Warning', reason: error.reason, message: error.message, key: error.reason }],
        ctx,
      );
    }
    return { requeueAfter: stalledRecheckMs };
  }

  async #reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    // Another controller's execution whose resource shares our execution namespace: not ours.
    if (this.#o.watchNamespace !== undefined && namespace !== this.#o.watchNamespace)
      return undefined;
    // The cache may lag behind the server; that is safe: status writes recompute from a fresh
    // read on a conflict, and create adopts what an earlier pass created.
    const goneHere = this.#goneHere(key);
    const remembered = !goneHere && this.#goneConfirmed(key);
    const object =
      goneHere || remembered
        ? null
        : await this.#o.reader.get<KubeObject>(this.#o.api.resource, namespace, name, {
            signal: ctx.signal,
          });
    if (!object) {
      await this.#cleanupVanished(key, ctx, !remembered);
      this.#forget(key);
      return undefined;
    }
    this.#outcomes.seen(object);
    if (object.metadata?.deletionTimestamp) return this.#finalize(object, ctx);

    let wfe: WorkflowExecution;
    try {
      wfe = this.#parse(key, object);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return this.#invalid(object, error, ctx);
    }

    const finalizing = hasFinalizer(object, this.#o.api.finalizer)
      ? undefined
      : this.#addFinalizer(object, ctx);
    // A start that fails before awaiting the finalizer write (an orphan's delete in an outage)
    // leaves it unawaited; its rejection must not take the process down. Awaited, it still throws.
    finalizing?.catch(() => undefined);
    const phase = wfe.status?.phase;
    if (phase === undefined || phase === 'Pending') {
      const undeclared = this.#o.engineRequired ? undeclaredEngine(object) : undefined;
      return this.#start(wfe, ctx, finalizing, undeclared);
    }
    if (finalizing) {
      const finalized = withMetadataOf(wfe, await finalizing);
      if (!finalized) return this.#gone(wfe, ctx);
      wfe = finalized;
    }
    if (phase !== 'Running') return this.#afterFinish(wfe, wfe, wfe.spec.targetResource, ctx);
    // Running with no resource recorded (no start of ours wrote it) and no engine named where one
    // is required: failed as kubernaut's reconcileRunning fails it (UT-WE-659-005), before any
    // engine is asked. One whose status names its resource was started as `tekton` by a version
    // before engineRequired, and is followed to its end.
    const undeclared =
      this.#o.engineRequired && !wfe.status?.executionRef?.name
        ? undeclaredEngine(object)
        : undefined;
    if (undeclared) return this.#runningUndeclared(wfe, undeclared, ctx);
    return this.#observe(wfe, key, ctx);
  }

  /**
   * A Running execution that names no engine and records no resource (see #reconcile): nothing
   * of it can be read or stopped, so it fails at once, as in Pending, in the words of kubernaut's
   * validateExecutionEngineResolved, which its reconcileRunning fails it on; kubernaut writes
   * `Unknown`, `PipelineRun was deleted externally` there, what its MarkFailed says of any
   * failure without a PipelineRun. Its lock goes after the cooldown, as any failure's.
   */
  async #runningUndeclared(
    wfe: WorkflowExecution,
    undeclared: EngineNotDeclaredError,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    // Decided from the stored object alone: the Failed write is all that is left.
    ctx.releaseWorker?.();
    await this.#fail(
      wfe,
      { reason: 'ConfigurationError', message: undeclared.message, wasExecutionFailure: false },
      ctx,
    );
    return { requeueAfter: this.#o.cooldownMs };
  }

  /**
   * An execution whose spec does not parse: refused before it started (kubernaut's
   * WorkflowValidationFailed), or one that started under an older version and was stored with a
   * field this one refuses. It is failed once; then, as any failed execution, its lock is
   * released after the cooldown (kubernaut's ReconcileTerminal reads no more of the spec than
   * its engine and target), and what it started is removed when its engine and target still
   * parse (salvagedExecution). One that ran cools down as every failure after a start does; one
   * refused before it started is released on a later pass, as kubernaut's MarkFailedWithReason
   * and #startFailed requeue nothing.
   */
  async #invalid(
    object: KubeObject,
    error: ConfigurationError,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const view = statusView(object);
    const phase = view.status?.phase;
    if (phase === 'Completed' || phase === 'Failed') {
      return this.#afterFinish(view, salvagedExecution(object), targetOf(object), ctx);
    }
    // Decided from the spec alone: the Failed write is all that is left.
    ctx.releaseWorker?.();
    await this.#fail(
      view,
      { reason: 'ConfigurationError', message: error.message, wasExecutionFailure: false },
      ctx,
      this.#lifecycle(workflowValidationFailed(error.message)),
    );
    return phase === 'Running' ? { requeueAfter: this.#o.cooldownMs } : undefined;
  }

  /**
   * Adds the cleanup finalizer to `object`, the copy this pass read; resolves to the object as
   * written, or null when the execution is gone: deleted, or re-created under its name (another
   * uid), which happens when the cache still held the predecessor. `addFinalizer` never edits
   * such a successor (it is held to `object`'s uid): the successor's own events reconcile it
   * from its own spec.
   */
  async #addFinalizer(object: KubeObject, ctx: ReconcileContext): Promise<KubeObject | null> {
    try {
      const updated = await addFinalizer(
        this.#o.client,
        this.#o.api.resource,
        object,
        this.#o.api.finalizer,
        { signal: ctx.signal, uid: object.metadata?.uid },
      );
      this.#o.executions.observe(updated);
      return updated;
    } catch (error) {
      if (isKubernetesError(error, 'NotFound')) return null;
      throw error;
    }
  }

  /**
   * The finalizer write found the execution gone (see #addFinalizer): nothing may go on from
   * this copy, neither a status write nor a start. Whatever this pass or an earlier one created
   * for it goes now (#abandonIfDeleted), since no finalizer ever held it for #finalize; the
   * reconcile ends without an error, as for any execution deleted meanwhile.
   */
  async #gone(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<undefined> {
    ctx.logger.info(
      { wfe: wfe.metadata.name, uid: wfe.metadata.uid },
      'execution deleted or re-created before its finalizer landed; leaving it',
    );
    // An engine no longer registered can remove nothing (see #engineGone).
    if (this.#o.registry.has(wfe.spec.executionEngine)) await this.#abandonIfDeleted(wfe, ctx);
    return undefined;
  }

  /**
   * An execution is validated once per version of its object until its lock is released: the
   * cache hands out the same version until it changes, and every event of its Job, every write
   * of its own and its cooldown wake a reconcile that would parse it again. A new version with
   * the same spec (its generation) has only its metadata and status validated. A released one
   * is reconciled only on a resync, and keeping a parsed copy of every released execution would
   * double what a large cache holds.
   */
  #parse(key: string, object: KubeObject): WorkflowExecution {
    const known = this.#parsed.get(key);
    const version = object.metadata?.resourceVersion;
    if (
      known &&
      version !== undefined &&
      known.metadata.resourceVersion === version &&
      known.metadata.uid === object.metadata?.uid
    )
      return known;
    const wfe = known ? reparseWorkflowExecution(object, known) : parseWorkflowExecution(object);
    const released =
      findCondition(wfe.status?.conditions, conditionTypes.lockReleased)?.status === 'True';
    if (released) this.#parsed.delete(key);
    else this.#parsed.set(key, wfe);
    return wfe;
  }

  /** `#parse`, or undefined for a spec that does not parse (a ConfigurationError). */
  #parsedOrInvalid(key: string, object: KubeObject): WorkflowExecution | undefined {
    try {
      return this.#parse(key, object);
    } catch (error) {
      if (error instanceof ConfigurationError) return undefined;
      throw error;
    }
  }

  /**
   * Starts the execution while `finalizing` adds the cleanup finalizer, as the floor of this
   * lifecycle does: the two writes are independent, and waiting for one before sending the
   * other would add a round trip to every start. The status is written once both are done, on
   * the version the finalizer write returned. An engine whose resources a crash could orphan
   * unseen waits for the finalizer first (#recoversOrphans). Before the cooldown is checked,
   * the execution is refused if it may not run at all (#refusal), and requeued while its target
   * names a kind discovery has not been read for since it was created (`kinds`). `undeclared`
   * says the execution names no engine where one is required: refused as the policy refuses.
   */
  async #start(
    wfe: WorkflowExecution,
    ctx: ReconcileContext,
    finalizing: Promise<KubeObject | null> | undefined,
    undeclared?: EngineNotDeclaredError,
  ): Promise<ReconcileResult | undefined> {
    // On the first pass only: kubernaut says it on every pass in Pending, the same Event each time.
    if (wfe.status?.phase === undefined) {
      await this.#record(wfe, this.#lifecycle(workflowValidated(wfe.spec)), ctx);
    }
    const earlier = await this.#releaseEarlier(wfe, ctx);
    const engine = wfe.spec.executionEngine;
    // Checked before anything that waits: an execution the policy refuses is failed at once, and
    // never makes the controller read discovery for the kind it names. Not once the execution's
    // own resource exists (a start before a restart made it, its status not saying so): the
    // workflow ran, and may have finished, so it is adopted (#adopt, which runs no check before
    // a create either) and its real outcome reported, as kubernaut's HandleAlreadyExists adopts
    // its own; one that overruns its deadline is stopped by the Running path's deadline and
    // grace. Nor does such a start wait for discovery or a cooldown: both only decide whether
    // a workflow may begin on the target, and this one began; waiting would leave it Pending
    // while its Job runs and finishes (a cooldown raised across the restart, say).
    const { uid } = wfe.metadata;
    const unrecorded =
      uid === undefined ? undefined : this.#o.orphans?.createdFor(objectKey(wfe), uid, engine);
    const refusal = unrecorded === undefined ? (undeclared ?? this.#refusal(wfe)) : undefined;
    const mayWait = unrecorded === undefined && !refusal && !earlier;
    const discoveryWaitMs = mayWait
      ? this.#o.kinds?.learnKindOf(wfe.spec.targetResource, wfe.metadata.creationTimestamp)
      : undefined;
    const blocking =
      mayWait && discoveryWaitMs === undefined
        ? this.#o.targets.cooldownBlocking(
            { uid: wfe.metadata.uid, target: wfe.spec.targetResource },
            this.#o.cooldownMs,
            this.#o.now(),
          )
        : undefined;
    // Not given up once its own resource exists either: the create that made it succeeded,
    // whatever error an earlier one (or this one's lost answer) left in StartFailing.
    const failingCreate =
      unrecorded !== undefined || refusal || earlier || discoveryWaitMs !== undefined || blocking
        ? undefined
        : this.#startOverdue(wfe);
    // Whatever this pass does but a create that races the finalizer (#recoversOrphans) goes on
    // from the version the finalizer write returned.
    const waitsForFinalizer =
      refusal ||
      earlier ||
      discoveryWaitMs !== undefined ||
      blocking ||
      failingCreate ||
      !this.#recoversOrphans(engine);
    if (finalizing && waitsForFinalizer) {
      const finalized = withMetadataOf(wfe, await finalizing);
      if (!finalized) return this.#gone(wfe, ctx);
      wfe = finalized;
      finalizing = undefined;
    }
    if (refusal) return this.#startFailed(wfe, refusal, ctx);
    if (earlier) {
      // Shown as a finished execution's resource left on the target is (TargetLocked), once:
      // the same wait again writes nothing, and nothing records an Event for it.
      const message = `waiting for the resource of an earlier execution of this name to be removed: ${earlier.message}`;
      // The wait is decided (the finalizer written, the removal asked): only its write is left.
      ctx.releaseWorker?.();
      await this.#write(wfe, (c) => markWaiting(c, 'TargetLocked', message, this.#o.now()), ctx);
      return { requeueAfter: earlier.retryAfterSeconds * 1000 };
    }
    if (discoveryWaitMs !== undefined) return { requeueAfter: discoveryWaitMs };
    if (blocking) {
      // kubernaut's CooldownActive Event says this, then the execution that holds the target
      // back; the condition carries it, and only `lifecycle` records the Event too.
      const remaining = formatGoDuration(blocking.remainingMs);
      // Decided from the target index, outside any start's turn, once the finalizer is written:
      // only the wait's write is left.
      ctx.releaseWorker?.();
      await this.#writeReported(
        wfe,
        (c) =>
          markCooldownActive(
            c,
            `Execution deferred: cooldown active for ${wfe.spec.targetResource} (remaining: ${remaining}) after ${blocking.name}`,
            this.#o.now(),
          ),
        this.#lifecycle(
          cooldownActive(wfe.spec.targetResource, blocking.remainingMs, blocking.name),
        ),
        ctx,
      );
      return { requeueAfter: blocking.remainingMs };
    }
    if (failingCreate) return this.#gaveUpStart(wfe, failingCreate, ctx);
    const [created, finalized] = await Promise.allSettled([
      unrecorded === undefined ? this.#create(wfe, ctx) : this.#adopt(wfe, unrecorded, ctx),
      finalizing,
    ]);
    if (finalized.status === 'rejected') {
      if (created.status === 'fulfilled') await this.#abandonIfDeleted(wfe, ctx);
      throw finalized.reason;
    }
    if (finalized.value !== undefined) {
      // Gone: the resource just created (this copy's spec, owned by its uid) is removed, and
      // never recorded on a successor of the name.
      const current = withMetadataOf(wfe, finalized.value);
      if (!current) return this.#gone(wfe, ctx);
      wfe = current;
    }
    if (created.status === 'rejected')
      return this.#startFailed(wfe, created.reason, ctx, unrecorded?.name);
    const { resourceName, warnings, adoptedKind } = created.value;
    const namespace = this.#o.executionNamespace;
    // When the resource was created, from which the start counts: the engine's answer (the
    // resource it made, or one it adopted after a create lost its race to the cache, or one
    // nothing watches), else the cache's of the resource it adopted, else none: from now.
    const createdAt =
      created.value.createdAt ??
      (unrecorded?.name === resourceName ? unrecorded.createdAt : undefined);
    const resource = { adoptedKind, createdAt };
    // kubernaut's race path (HandleAlreadyExists): the execution's own resource was there
    // already. kubernaut has it for PipelineRuns only (its Job path fails such an execution as
    // locked, a resource it created itself included); Roundhouse reports every engine's alike,
    // and records the transition too when an earlier start reported it (adoptedTransition).
    // The warnings under either mode: only the controller's log had them, which the execution's
    // author does not read. Recorded with the Running write, so a retried start records them
    // under the same key, and an execution without any records nothing more. One naming a
    // condition is set on that write too (no request more), under either mode: the status is
    // where outcome mode tells a watcher every step. Under lifecycle it has an Event of its own
    // first, with its reason, as kubernaut's; under outcome ExecutionWarning tells it, so
    // outcome keeps one Event for all a create warned of.
    const told = startWarnings(warnings);
    const lifecycle = this.#o.eventMode === 'lifecycle';
    const words = lifecycle ? told.words : warnings.map(warningText);
    // Nothing after this write decides anything: the worker may start the next execution.
    ctx.releaseWorker?.();
    await this.#writeReported(
      wfe,
      (c) =>
        markRunning(c, engine, resourceName, namespace, this.#o.now(), resource, told.conditions),
      [
        ...this.#lifecycle(...told.conditions.map(conditionWarning)),
        ...this.#lifecycle(
          adoptedKind !== undefined
            ? resourceAdopted(adoptedKind, namespace, resourceName)
            : executionCreated(engine, namespace, resourceName),
        ),
        ...(words.length > 0 ? [executionWarnings(engine, words)] : []),
        ...this.#lifecycle(
          adoptedKind !== undefined ? adoptedTransition() : phaseTransition('Pending', 'Running'),
        ),
      ],
      ctx,
    );
    if (this.#o.watchedEngines.has(engine)) return { requeueAfter: this.#o.resyncMs };
    return { requeueAfter: this.#polls.polled(objectKey(wfe), true) };
  }

  /**
   * Removes what an earlier execution of this name, deleted while the controller was down, left
   * holding this one's lock (OrphanedResources.release). A resource its engine must let finish
   * first (a PipelineRun's graceful `finally`) is waited for, and that wait is returned: the
   * start holds back until it ends, the resource's watch waking it sooner than asked.
   */
  async #releaseEarlier(
    wfe: WorkflowExecution,
    ctx: ReconcileContext,
  ): Promise<CleanupPendingError | undefined> {
    const { uid } = wfe.metadata;
    if (uid === undefined) return undefined;
    try {
      await this.#o.orphans?.release(objectKey(wfe), ctx.signal, uid);
      return undefined;
    } catch (error) {
      if (error instanceof CleanupPendingError && !ctx.signal.aborted) return error;
      throw error;
    }
  }

  /**
   * Whether a resource `engine` creates is found again after a crash between its create and the
   * finalizer landing, should the execution be deleted meanwhile: a watched resource is, through
   * its owner index (OrphanedResources). Whatever else an engine makes (the ansible engine's lock
   * and AWX job, a process agent's task) nothing would find, so such an engine creates only
   * once the finalizer is in place, one round trip later.
   */
  #recoversOrphans(engine: string): boolean {
    return this.#o.orphans !== undefined && this.#o.watchedEngines.has(engine);
  }

  /**
   * Why the execution may not start, if it may not: its deadline passed, or the policy forbids
   * what it asks for. Waiting (cooldown, a busy target) can outlast the deadline; starting then
   * would give the workflow no time, as kubernaut's one-second Job does. A start that crashed
   * after creating its resource is not asked (#start adopts what the watched ones show); one
   * whose resource nothing watches is refused, and that resource goes with the lock after the
   * cooldown (#release). Every start attempt (each wake from a cooldown or a busy target) comes
   * through here before its create.
   */
  #refusal(wfe: WorkflowExecution): RoundhouseError | undefined {
    const now = this.#o.now();
    const deadline = timesOutAtMs(wfe);
    if (deadline !== undefined && deadline <= now.getTime())
      return new DeadlinePassedError(wfe.spec.timesOutAt as string);
    try {
      enforceExecutionPolicy(wfe, this.#o.policy, now);
      return undefined;
    } catch (error) {
      if (error instanceof RoundhouseError) return error;
      throw error;
    }
  }

  /**
   * Checks the dependencies the execution asks for and creates its resource; returns its name,
   * what the engine warned of, and whether the resource was this execution's already.
   */
  async #create(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<CreateResult> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    const { targets } = this.#o;
    const self = startingOnTarget(wfe);
    // A waiting execution's resource found by its owner: a start this process did not make (it
    // made it before a restart) whose status does not record it yet holds the target too.
    const createdFor = (key: string, uid: string) => this.#o.orphans?.createdFor(key, uid)?.name;
    const namespace = this.#o.executionNamespace;
    // Its own resource, there already (a start before a restart made it, and nothing the cache
    // holds shows it), is adopted rather than refused on another's: its workflow runs, and
    // failing it Deduplicated would leave that run unowned and untimed. Read only once a holder
    // is found, so a start on a free target makes no read, and at most once per start.
    let own: UnrecordedStart | undefined;
    const ownOrRefused = async (holder: Holder) => {
      own ??= await unrecordedStart(executor, wfe, namespace, ctx.signal);
      if (!own) throw new ResourceLockedError(holder.resourceName, holder);
      return own;
    };
    const held = targets.heldByAnother(self, createdFor);
    // Adopted by the engine's `adopt` with none of the checks below, as #adopt adopts one the
    // cache shows; an engine without `adopt` adopts it through its create, given every input
    // those checks allow.
    const adopted = held && (await ownOrRefused(held)).adopted;
    if (adopted) {
      targets.claim(self, adopted.resourceName);
      return adopted;
    }
    const requested = requestedDependencies(wfe);
    // The hooks get the reconcile's signal, so a lost lease or a shutdown cuts them short; one
    // that ignores it must not start anything once it settles (the next leader may have).
    const dependencies = this.#o.resolveDependencies
      ? await this.#o.resolveDependencies(wfe, ctx.signal)
      : requested.dependencies;
    ctx.signal.throwIfAborted();
    await this.#dependencies.verify(
      wfe,
      dependencies,
      this.#o.executionNamespace,
      ctx.signal,
      requested.path,
    );
    const declaredParameterNames = await this.#o.resolveDeclaredParameters?.(wfe, ctx.signal);
    ctx.signal.throwIfAborted();
    // The turn covers only the check and the create, so a slow hook holds no other start back.
    const created = await targets.exclusiveStart(self.target, ctx.signal, async () => {
      const holder = targets.heldByAnother(self, createdFor) ?? (await this.#heldUnseen(self, ctx));
      const ownAdopted = holder && (await ownOrRefused(holder)).adopted;
      if (ownAdopted) {
        targets.claim(self, ownAdopted.resourceName);
        return ownAdopted;
      }
      const result = await executor.create(wfe, namespace, {
        ...(dependencies ? { dependencies } : {}),
        ...(declaredParameterNames ? { declaredParameterNames } : {}),
        signal: ctx.signal,
      });
      targets.claim(self, result.resourceName);
      return result;
    });
    for (const warning of created.warnings)
      ctx.logger.warn({ wfe: wfe.metadata.name, warning }, 'API warning on create');
    return created;
  }

  /**
   * The waiting execution on `self`'s target whose engine, which nothing watches, reads its
   * resource as there (`unrecordedStart`): a start a killed controller made, which neither a
   * claim nor the cache shows, and which the engine's own lock misses under another spelling of
   * the target or another engine.
   */
  async #heldUnseen(
    self: ReturnType<typeof startingOnTarget>,
    ctx: ReconcileContext,
  ): Promise<Holder | undefined> {
    // A watched engine's start shows in the cache (`createdFor`), which `heldByAnother` asks;
    // one that declares watches on a kind not served at start is polled, and cached by none.
    const unwatched = (engine: string) =>
      this.#o.registry.has(engine) && !this.#o.watchedEngines.has(engine);
    for (const key of this.#o.targets.waitingUnseen(self, unwatched)) {
      const { namespace, name } = splitKey(key);
      const object = this.#o.executions.get(namespace, name);
      const other = object && this.#parsedOrInvalid(key, object);
      // An invalid one is refused before any start of its own; its engine is not asked.
      if (!other) continue;
      const executor = this.#o.registry.get(other.spec.executionEngine);
      const found = await unrecordedStart(executor, other, this.#o.executionNamespace, ctx.signal);
      if (found) {
        // An engine without `adopt` finds the resource and gives no name: the words that stand
        // for it in "Execution resource … already exists" must not read as one.
        const resourceName = found.resourceName ?? `of the ${executor.engine} engine (unnamed)`;
        return { namespace: other.metadata.namespace, name, resourceName };
      }
    }
    return undefined;
  }

  /**
   * Adopts the resource a start before a restart made for this execution, its status not saying
   * so yet (#start found it by its owner, `createdFor`), with none of the checks before a create
   * run again: the lock, the dependency check, the dependency and parameter hooks. A check that
   * refuses now (a Secret's opt-in annotation or a catalog entry changed while no controller
   * ran) would fail the execution without removing its resource: the workflow would run on,
   * the Secret mounted, and leave the target to another spelling's start beside it. Skipping
   * them gives the author nothing they could not reach: the controller made that resource
   * itself, for this very execution (the uid its annotations record, which nobody else's
   * execution carries), after those checks passed, so adopting it reaches only what they
   * allowed then. The engine's `adopt` reads it and neither builds nor creates: the engine's
   * own rules of today (a resource ceiling lowered across the restart) refuse nothing made under
   * yesterday's, and a resource gone after all (the cache behind its delete) is not made again
   * unchecked: the start is retried, and goes through every check and wait once the cache no
   * longer shows the resource (AdoptedResourceGoneError). An engine without `adopt` has the
   * resource read by the name it was found by (#adoptByName).
   */
  async #adopt(
    wfe: WorkflowExecution,
    found: CreatedResource,
    ctx: ReconcileContext,
  ): Promise<CreateResult> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    const resourceName = found.name;
    if (!executor.adopt) return this.#adoptByName(wfe, found, ctx);
    const adopt = executor.adopt.bind(executor);
    const { targets } = this.#o;
    const self = startingOnTarget(wfe);
    const adopted = await targets.exclusiveStart(self.target, ctx.signal, async () => {
      // The resource found, by its name: made under a name prefix changed since, it is this
      // execution's all the same, and the name of today would find nothing, for ever.
      const result = await adopt(wfe, this.#o.executionNamespace, {
        resourceName,
        signal: ctx.signal,
      });
      if (result) targets.claim(self, result.resourceName);
      return result;
    });
    if (adopted === undefined) throw new AdoptedResourceGoneError();
    for (const warning of adopted.warnings)
      ctx.logger.warn({ wfe: wfe.metadata.name, warning }, 'API warning on create');
    return adopted;
  }

  /**
   * #adopt for an engine without `adopt`: the found resource is this execution's (its owner
   * annotations name the execution's uid), so the engine's getStatus reads it by the name it was
   * found by, which the status then records and every later read and the cleanup use: a name
   * prefix changed across the restart still finds it. Its create is not asked: gone after all
   * (the cache behind its delete), the resource would be made again, with none of a start's
   * checks and none of their inputs (a Job running without its Secret, its pod started), and
   * removed again, an extra run the author never asked for. Gone, nothing is made
   * (AdoptedResourceGoneError), and the retry starts it through every check once the cache no
   * longer shows it.
   */
  async #adoptByName(
    wfe: WorkflowExecution,
    found: CreatedResource,
    ctx: ReconcileContext,
  ): Promise<CreateResult> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    const { targets } = this.#o;
    const self = startingOnTarget(wfe);
    const recorded = { ...wfe, status: { ...wfe.status, executionRef: { name: found.name } } };
    return targets.exclusiveStart(self.target, ctx.signal, async () => {
      const status = await executor.getStatus(recorded, this.#o.executionNamespace, {
        signal: ctx.signal,
      });
      if (status === null) throw new AdoptedResourceGoneError();
      targets.claim(self, found.name);
      return { resourceName: found.name, warnings: [], adoptedKind: found.kind };
    });
  }

  /**
   * The resource was created but the finalizer could not be added. When that is because the
   * execution was deleted meanwhile, nothing would ever clean up after it, so the resource goes
   * now; otherwise the retry adds the finalizer and adopts the resource.
   */
  async #abandonIfDeleted(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<void> {
    const current = await this.#o.client.get<KubeObject>(
      this.#o.api.resource,
      wfe.metadata.namespace,
      wfe.metadata.name,
      { signal: ctx.signal },
    );
    if (current?.metadata?.uid === wfe.metadata.uid && !current?.metadata?.deletionTimestamp)
      return;
    await this.#o.registry
      .get(wfe.spec.executionEngine)
      .cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal });
  }

  /**
   * An execution that went without passing #finalize never got its finalizer: its start created
   * the resource, the finalizer write failed or a crash stopped it, and it was deleted before
   * the retry. Its resource would run on and hold the target's lock, so it goes now. One still
   * known here is cleaned up by its engine, which removes only a resource this very execution
   * (by uid) owns; after a restart only the watched resources that name it are left to find.
   */
  async #cleanupVanished(key: string, ctx: ReconcileContext, remember: boolean): Promise<void> {
    const known = this.#parsed.get(key);
    if (!known) return this.#releaseVanished(key, ctx, remember);
    if (!this.#o.registry.has(known.spec.executionEngine)) return;
    await this.#o.registry
      .get(known.spec.executionEngine)
      .cleanup(known, this.#o.executionNamespace, { signal: ctx.signal });
  }

  /**
   * Removes the watched resources that name `key`, an execution the API server answered gone
   * (or whose deletion this process completed), and, when that answer is new (`remember`),
   * remembers it gone (#goneConfirmed): the watch events of their removal wake the key again,
   * and each would otherwise have the gone execution read from the API server once more.
   */
  async #releaseVanished(key: string, ctx: ReconcileContext, remember: boolean): Promise<void> {
    const { orphans } = this.#o;
    if (!orphans) return;
    if (remember) {
      const now = this.#o.now().getTime();
      // An entry whose removal's last event never woke the key is forgotten after a watch's lag.
      for (const [gone, { at }] of this.#vanished) {
        if (now - at > vanishedMemoryMs) this.#vanished.delete(gone);
      }
      this.#vanished.set(key, { at: now, last: false });
    }
    await orphans.release(key, ctx.signal);
    // The delete's answer dropped the last of them from the cache: the watch event of its
    // removal is still to come, and is the last wake to spare a read.
    const entry = this.#vanished.get(key);
    if (entry && !orphans.holds(key)) entry.last = true;
  }

  /**
   * Whether `key` names an execution already confirmed gone (#releaseVanished) that the cache
   * still does not hold. The first miss needed the API server, since the cache learns of a new
   * execution a watch event late; this one does not: a successor of the name created since
   * then reaches the cache as an event of its own, which reconciles it, and until this process
   * has seen it there, nothing is created for it that a release here could remove (only
   * resources that record an owner uid are removed, and this process creates them once it holds
   * the execution). The entry ends at the last wake its resources' removal brings: the first
   * once the cache holds none of them, or the one after the delete's own answer dropped the last;
   * and it ends as soon as the cache holds an execution under the key, or after a watch's lag.
   */
  #goneConfirmed(key: string): boolean {
    const entry = this.#vanished.get(key);
    if (entry === undefined) return false;
    const { namespace, name } = splitKey(key);
    const recent = this.#o.now().getTime() - entry.at <= vanishedMemoryMs;
    if (!recent || this.#o.executions.get(namespace, name) !== undefined) {
      this.#vanished.delete(key);
      return false;
    }
    if (entry.last || !this.#o.orphans?.holds(key)) this.#vanished.delete(key);
    return true;
  }

  async #startFailed(
    wfe: WorkflowExecution,
    error: unknown,
    ctx: ReconcileContext,
    adopting?: string,
  ): Promise<ReconcileResult | undefined> {
    // Its own resource is there, made under the other conventions: not a failed start (#stalled).
    if (error instanceof ConventionsMismatchError) throw error;
    const waitForLock = this.#o.lockPolicy === 'wait' && error instanceof ResourceLockedError;
    if (waitForLock || error instanceof PreviousExecutionNotCleanedError) {
      // The holder's release wakes this execution (see ExecutionsByTarget.keysToWake); backoff
      // covers the rest. A holder that really ran ends StartFailing, as a cooldown does: its
      // run may take as long as its timeout, and may end without a cooldown (deleted, or a
      // cooldown of 0), and one retryable error after it must not be given up at once. A lock
      // no execution known here accounts for keeps the count (markCreateFailed).
      const holder = (error as ResourceLockedError | PreviousExecutionNotCleanedError).owner;
      const ran = holder !== undefined && this.#o.targets.actedOn(wfe.spec.targetResource, holder);
      const message = (error as Error).message;
      // The create's turn is over and the wait decided: its write, then the retry, are left.
      ctx.releaseWorker?.();
      await this.#write(
        wfe,
        (c) =>
          ran
            ? markLockedByRun(c, message, this.#o.now())
            : markWaiting(c, 'TargetLocked', message, this.#o.now()),
        ctx,
      );
      throw error;
    }
    const outcome = classifyStartError(error);
    if (outcome.action === 'retry') {
      // Shown on the execution while the workqueue retries, so a stuck start is never silent:
      // the error as it is, in Roundhouse's own condition (kubernaut retries no create). The
      // first such failure's time, kept in StartFailing, bounds the retries (#startOverdue).
      const waiting = error instanceof Error ? error.message : String(error);
      // As for the lock waits above: the create's turn is over, and the retry rethrows its error,
      // not anything the write answers. Its write, then the retry, are left.
      ctx.releaseWorker?.();
      await this.#write(wfe, (c) => markCreateFailed(c, waiting, this.#o.now()), ctx);
      throw error;
    }
    const message = startErrorMessage(error, wfe.spec.executionEngine);
    const holder = error instanceof ResourceLockedError ? error.owner?.name : undefined;
    // Refused, or its create (or adoption) answered for good: the Failed write is all that is left.
    ctx.releaseWorker?.();
    await this.#fail(
      wfe,
      {
        reason: outcome.reason,
        message,
        wasExecutionFailure: false,
        ...(holder ? { deduplicatedBy: holder } : {}),
      },
      ctx,
      error instanceof EngineNotDeclaredError
        ? this.#lifecycle(engineNotDeclared(message))
        : outcome.reason === 'UnsupportedEngine'
          ? this.#lifecycle(engineUnavailable(message))
          : [],
      adopting,
    );
    return undefined;
  }

  /**
   * The CreateFailed wait of a start whose create has failed retryably for as long as the
   * execution may take: its timeout (or the default) since the first of those failures, which
   * StartFailing's lastTransitionTime records (markCreateFailed), kept through the lock waits
   * between failures that no known execution accounts for, and ended by a cooldown wait
   * (markCooldownActive) or a wait on a holder that ran (markLockedByRun); the wait's own time
   * where StartFailing is not True (an older version wrote none, or a cooldown ended it).
   * `spec.timesOutAt` bounds it too (#refusal), but an execution without one would be retried
   * for ever, holding its target's lock with nothing running. Waiting for a cooldown or a busy
   * target before the first failure is not counted: a create that succeeded then would have
   * had the whole timeout to run.
   */
  #startOverdue(wfe: WorkflowExecution): Condition | undefined {
    const waiting = findCondition(wfe.status?.conditions, conditionTypes.waiting);
    if (waiting?.reason !== 'CreateFailed') return undefined;
    const failing = findCondition(wfe.status?.conditions, conditionTypes.startFailing);
    const since = Date.parse(
      failing?.status === 'True' ? failing.lastTransitionTime : waiting.lastTransitionTime,
    );
    if (Number.isNaN(since)) return undefined;
    return since + this.#timeoutMs(wfe) <= this.#o.now().getTime() ? waiting : undefined;
  }

  /**
   * Fails a start given up on (#startOverdue) with the last error its create met, before
   * creating again. A resource that create made though its answer was lost (a 504, a broken
   * connection), once the watch brings it into the cache, is adopted instead (#start asks
   * `createdFor` first): the create succeeded, and the workflow runs. What is left here is one
   * the cache does not show yet, or an unwatched engine's: the engine's cleanup removes it
   * first, so a crash before the failure's write leaves nothing running under an execution
   * recorded as never started; the retry gives up again. One that cannot go now goes with the
   * lock after the cooldown (#release), and the execution fails all the same.
   */
  async #gaveUpStart(
    wfe: WorkflowExecution,
    failingCreate: Condition,
    ctx: ReconcileContext,
  ): Promise<undefined> {
    await this.#cleanup(wfe, 'after a failed start', ctx).catch((cleanupError: unknown) => {
      if (ctx.signal.aborted) throw cleanupError;
    });
    // The removal answered (a failed one is left to the release): the Failed write is left.
    ctx.releaseWorker?.();
    const limit = this.#timeoutText(wfe);
    await this.#fail(
      wfe,
      {
        reason: 'DeadlineExceeded',
        message: `the execution could not be started within its ${limit}: ${startErrorMessage(failingCreate.message, wfe.spec.executionEngine)}`,
        wasExecutionFailure: false,
      },
      ctx,
    );
    return undefined;
  }

  async #observe(
    wfe: WorkflowExecution,
    key: string,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const engine = wfe.spec.executionEngine;
    if (!this.#o.registry.has(engine)) return this.#engineGone(wfe, ctx);
    const watched = this.#o.watchedEngines.has(engine);
    // A polled engine is asked on its own schedule, not whenever a status write wakes us.
    const notDue = watched ? 0 : this.#polls.remaining(key);
    if (notDue > 0) return { requeueAfter: notDue };
    const executor = this.#o.registry.get(engine);
    let result: ExecutionResult | null;
    try {
      result = await executor.getStatus(wfe, this.#o.executionNamespace, { signal: ctx.signal });
    } catch (error) {
      // A status read that keeps failing (an engine refusing a revoked token, say) is retried
      // with backoff, but never past the deadline: kubernaut keeps such an execution Running
      // for ever, holding its target.
      // Nor one made under the other conventions: it is not ours to stop (#stalled).
      if (
        ctx.signal.aborted ||
        error instanceof ConventionsMismatchError ||
        this.#msToDeadline(wfe) > 0
      )
        throw error;
      const reason = error instanceof RoundhouseError ? error.reason : 'unclassified';
      ctx.logger.warn({ wfe: wfe.metadata.name, reason }, 'status unreadable past the deadline');
      return this.#stopOverdue(wfe, key, ctx);
    }
    if (result === null) {
      const resource = `${this.#o.executionNamespace}/${wfe.status?.executionRef?.name ?? '?'}`;
      // Nothing is left to stop or remove: the Failed write is all that is left.
      ctx.releaseWorker?.();
      // Past its deadline the resource is gone because a controller stopped it there (see
      // #stopOverdue) and died before it could record why, or it would have been stopped anyway.
      await this.#fail(
        wfe,
        this.#msToDeadline(wfe) <= 0
          ? this.#deadlineFailure(wfe)
          : {
              reason: 'ExecutionResourceDeleted',
              message: `${engine} execution resource ${resource} was deleted while the workflow was running`,
              wasExecutionFailure: false,
            },
        ctx,
      );
      return { requeueAfter: this.#o.cooldownMs };
    }
    if (leavesStartPending(result)) {
      // Its resource is about to be removed, on a verdict the cache gave: a watch behind the
      // kubelet that has just pulled the image shows a step waiting that already runs.
      const cached = result;
      const live = await executor
        .getStatus(wfe, this.#o.executionNamespace, { signal: ctx.signal, fresh: true })
        .catch((error: unknown) => {
          if (ctx.signal.aborted) throw error;
          return cached;
        });
      if (live && !isTerminalPhase(live.phase)) return { requeueAfter: 1_000 };
      if (live) result = live;
    }
    if (result.phase === 'Completed' || result.phase === 'Failed') {
      this.#polls.forget(key);
      return this.#finish(wfe, result, ctx);
    }
    const overdue = this.#msToDeadline(wfe) <= 0;
    if (overdue) return this.#stopOverdue(wfe, key, ctx);
    // No progress writes while the workload runs: Running says it all, and every write would
    // wake this reconciler again for nothing. The engine's own resource shows the details.
    // A result that time alone can change (a start's grace running out) is looked at again by
    // then, however quiet the resource stays.
    const hint = recheckHint(result);
    const next = watched
      ? Math.min(this.#o.resyncMs, hint ?? Number.POSITIVE_INFINITY)
      : this.#polls.polled(key, false, hint);
    return { requeueAfter: Math.max(1_000, Math.min(next, this.#msToDeadline(wfe))) };
  }

  /** Milliseconds until the execution's deadline, plus grace. */
  #msToDeadline(wfe: WorkflowExecution): number {
    return this.#deadline(wfe).at + this.#o.deadlineGraceMs - this.#o.now().getTime();
  }

  /**
   * When a started execution must end: its start plus its timeout (or the default), or
   * `spec.timesOutAt` when that comes first. Never, before it started.
   */
  #deadline(wfe: WorkflowExecution): { at: number; byTimesOutAt: boolean } {
    const started = wfe.status?.startTime ? Date.parse(wfe.status.startTime) : Number.NaN;
    if (Number.isNaN(started)) return { at: Number.POSITIVE_INFINITY, byTimesOutAt: false };
    const timeoutMs = this.#timeoutMs(wfe);
    const timesOutAt = timesOutAtMs(wfe) ?? Number.POSITIVE_INFINITY;
    return timesOutAt < started + timeoutMs
      ? { at: timesOutAt, byTimesOutAt: true }
      : { at: started + timeoutMs, byTimesOutAt: false };
  }

  /** The execution's timeout, or the default. */
  #timeoutMs(wfe: WorkflowExecution): number {
    const timeout = wfe.spec.executionConfig?.timeout;
    // The spec was validated before any start; a bad timeout never got this far.
    return timeout
      ? parseTimeout(timeout, 'spec.executionConfig.timeout')
      : this.#o.defaultTimeoutMs;
  }

  /** The timeout as an author reads it: `timeout of 10m`, or `default timeout of 3600s`. */
  #timeoutText(wfe: WorkflowExecution): string {
    const timeout = wfe.spec.executionConfig?.timeout;
    return `${timeout ? '' : 'default '}timeout of ${timeout ?? `${this.#o.defaultTimeoutMs / 1000}s`}`;
  }

  /**
   * The engine did not stop the execution in time: stop it here and fail it. Stopping destroys
   * the resource, so its state is read fresh first: a cache behind a watch that went quiet can
   * still show running a workflow that finished just before its deadline, and that outcome
   * stands. A fresh read that fails leaves the decision to the deadline.
   */
  async #stopOverdue(
    wfe: WorkflowExecution,
    key: string,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    const live = await executor
      .getStatus(wfe, this.#o.executionNamespace, { signal: ctx.signal, fresh: true })
      .catch((error: unknown) => {
        if (ctx.signal.aborted || error instanceof ConventionsMismatchError) throw error;
        return null;
      });
    if (live?.phase === 'Completed' || live?.phase === 'Failed') {
      this.#polls.forget(key);
      return this.#finish(wfe, live, ctx);
    }
    // A resource that must first finish something (a graceful cancel's finally) is left to;
    // the execution fails all the same, and #release removes it before the lock goes. So is
    // one the engine cannot remove now (an AWX token revoked refuses the status read and the
    // cancel alike): retrying here would keep the execution Running past its deadline for as
    // long as the engine refuses, while failing it changes nothing the lock protects, since
    // #release retries the cleanup and keeps the target held until it succeeds.
    let notStopped: string | undefined;
    await executor
      .cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal })
      .catch((error: unknown) => {
        if (ctx.signal.aborted || error instanceof ConventionsMismatchError) throw error;
        if (error instanceof CleanupPendingError) return;
        const reason = error instanceof RoundhouseError ? error.reason : 'unclassified';
        ctx.logger.warn(
          { wfe: wfe.metadata.name, reason, error },
          'cannot stop it past the deadline',
        );
        notStopped = error instanceof Error ? error.message : String(error);
      });
    this.#polls.forget(key);
    // The stop answered, and its answer is in the message: the Failed write is all that is left.
    ctx.releaseWorker?.();
    await this.#fail(wfe, this.#deadlineFailure(wfe, notStopped), ctx);
    return { requeueAfter: this.#o.cooldownMs };
  }

  /** DeadlineExceeded; `notStopped` is why the engine could not stop the resource, if it could not. */
  #deadlineFailure(wfe: WorkflowExecution, notStopped?: string): Failure {
    const limit = this.#deadline(wfe).byTimesOutAt
      ? `deadline (spec.timesOutAt ${wfe.spec.timesOutAt})`
      : this.#timeoutText(wfe);
    return {
      reason: 'DeadlineExceeded',
      message:
        notStopped === undefined
          ? `the execution ran past its ${limit} and was stopped`
          : `the execution ran past its ${limit}; stopping it failed (${notStopped}), so its execution resource may still exist: the target stays locked until its cleanup succeeds`,
      wasExecutionFailure: true,
    };
  }

  /**
   * A Running execution whose engine is no longer registered (a controller restarted with
   * fewer engines): its resource may still exist, and nothing here can read or remove it, so
   * the execution fails visibly, and its lock is released after the cooldown (#release) saying
   * the resource was left, as kubernaut's ReconcileTerminal skips the cleanup of an unknown
   * engine and releases all the same.
   */
  async #engineGone(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<ReconcileResult> {
    // Nothing here can touch its resource: the Failed write is all that is left.
    ctx.releaseWorker?.();
    await this.#fail(
      wfe,
      {
        reason: 'UnsupportedEngine',
        message: `engine "${wfe.spec.executionEngine}" is no longer registered with this controller; its execution resource ${this.#o.executionNamespace}/${wfe.status?.executionRef?.name ?? '?'} may still exist and must be removed by hand`,
        wasExecutionFailure: false,
      },
      ctx,
    );
    return { requeueAfter: this.#o.cooldownMs };
  }

  /**
   * Records the end the engine reported; the lock is released once the cooldown, counted from
   * when the engine's resource finished (see finishedAt), is over.
   *
   * A failure before the workflow ran (an image that never pulled, a quota that refused its
   * pod, a resource that never started: see leavesStartPending) is often the engine giving up
   * on a resource that has not given up itself: the kubelet keeps pulling and the Job
   * controller keeps creating the pod, so the workflow would run once the registry or the
   * quota recovers, after its execution was recorded as never run. The verdict is read fresh
   * first (#observe). Its resource is removed at once instead of after the cooldown (and
   * again on a later pass, see #stopGivenUpStart, should a crash or a failed delete come
   * between); the cooldown still holds the target, as the execution created its resource (see
   * ExecutionsByTarget.cooldownBlocking). Engines report a never-run class only while none of
   * the workflow ran, so no step still running is removed with it.
   */
  async #finish(
    wfe: WorkflowExecution,
    result: ExecutionResult,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const now = this.#o.now();
    if (result.phase === 'Completed') {
      // What remains is this write and the engine's release, both decided: the worker may go.
      ctx.releaseWorker?.();
      const compute = (c: StatusView) => markCompleted(c, result, now);
      await this.#outcomes.write(wfe, 'Completed', ranSeconds(wfe, result, now), () =>
        this.#writeReported(
          wfe,
          compute,
          this.#lifecycle(
            workflowCompleted(wfe.spec.workflowRef.workflowId, compute(wfe)?.duration),
            phaseTransition('Running', 'Completed'),
          ),
          ctx,
        ),
      );
      await this.#resultRecorded(wfe, ctx);
    } else {
      const reason = classifyResult(result);
      const wasExecutionFailure = ranWorkflow(reason, result.started);
      const removing = leavesStartPending(result);
      // As for Completed: the Failed write and the engine's release are decided. Not when the
      // resource is to be removed: that is engine work of its own length (a graceful cancel's
      // finally, a pod's finalizer), and its answer picks what comes next (CleanupPending's
      // requeue, a Stalled write, a CleanupFailed Event and backoff).
      if (!removing) ctx.releaseWorker?.();
      await this.#fail(wfe, { reason, message: result.message, wasExecutionFailure, result }, ctx);
      await this.#resultRecorded(wfe, ctx);
      if (removing) await this.#removeGivenUpStart(wfe, ctx);
    }
    const cooledAt = finishedAt(result, now).getTime() + this.#o.cooldownMs;
    return { requeueAfter: Math.max(1, cooledAt - now.getTime()) };
  }

  /**
   * Tells the engine the final result is written (`Executor.resultRecorded`). A failure is only
   * logged: what the engine still holds goes at the cleanup after the cooldown.
   */
  async #resultRecorded(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<void> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    try {
      await executor.resultRecorded?.(wfe, this.#o.executionNamespace, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const reason = error instanceof RoundhouseError ? error.reason : 'unclassified';
      ctx.logger.warn(
        { wfe: wfe.metadata.name, engine: wfe.spec.executionEngine, reason },
        'the engine could not release what it held for the result; cleanup will',
      );
    }
  }

  /**
   * After the cooldown, cleanup releases the target's lock for the next execution. `wfe` is
   * the execution as its engine reads it, undefined when its spec does not say (see #invalid);
   * `target` its target as written, for the Event.
   */
  async #afterFinish(
    view: StatusView,
    wfe: WorkflowExecution | undefined,
    target: string | undefined,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    if (findCondition(view.status?.conditions, conditionTypes.lockReleased)?.status === 'True')
      return undefined;
    // Ended without a completion time (written by someone else): the cooldown starts now.
    if (!view.status?.completionTime) {
      // Decided from the stored status, and the requeue is the whole cooldown whatever the write
      // answers: the write is all that is left.
      ctx.releaseWorker?.();
      await this.#write(view, (c) => markCompletionTime(c, this.#o.now()), ctx);
      return { requeueAfter: this.#o.cooldownMs };
    }
    const remaining = cooldownRemaining(view, this.#o.cooldownMs, this.#o.now());
    if (remaining > 0) {
      if (wfe && this.#o.registry.has(wfe.spec.executionEngine)) {
        const removing = this.#givenUpStartLeft(wfe);
        // Unless the resource of a start that never ran may be removed next (engine work whose
        // answer picks what follows, as in #finish), the engine's release is all that is left,
        // and it is decided: its failure is only logged.
        if (!removing) ctx.releaseWorker?.();
        // Again after the result's write: a crash between it and #finish's call would otherwise
        // leave what the engine holds (a Pod's finalizer, blocking a drain) until cleanup.
        await this.#resultRecorded(wfe, ctx);
        if (removing) await this.#stopGivenUpStart(wfe, ctx);
      }
      return { requeueAfter: remaining };
    }
    return this.#release(view, wfe, target, ctx);
  }

  /**
   * Whether `wfe` failed before its workflow ran and its recorded resource may still be there:
   * not removed by this process (#removedBefore), so #stopGivenUpStart asks its engine.
   */
  #givenUpStartLeft(wfe: WorkflowExecution): boolean {
    return (
      wfe.status?.phase === 'Failed' &&
      wfe.status.failureDetails?.wasExecutionFailure === false &&
      wfe.status.executionRef !== undefined &&
      !this.#removedBefore(wfe)
    );
  }

  /**
   * During the cooldown of a failure recorded as never run whose resource may be left
   * (#givenUpStartLeft), removes that resource if the engine still shows it failed before the
   * workflow ran: #finish removes it at once, and this repeats it when a crash or a failed
   * delete came between the failure's write and its delete. Its state comes from the engine's
   * usual (cached) read; one that cannot be read is left to the cleanup after the cooldown,
   * which holds the lock meanwhile.
   */
  async #stopGivenUpStart(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<void> {
    const executor = this.#o.registry.get(wfe.spec.executionEngine);
    const result = await executor
      .getStatus(wfe, this.#o.executionNamespace, { signal: ctx.signal })
      .catch((error: unknown) => {
        if (ctx.signal.aborted) throw error;
        return null;
      });
    if (result && leavesStartPending(result)) await this.#removeGivenUpStart(wfe, ctx);
  }

  /** Removes the resource of an execution that failed before its workflow ran (see #removed). */
  async #removeGivenUpStart(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<void> {
    await this.#cleanup(wfe, 'after a failed start', ctx);
    const { uid } = wfe.metadata;
    if (uid !== undefined) this.#removed.set(objectKey(wfe), uid);
  }

  /** Whether this process removed the resource of this very execution (see #removed). */
  #removedBefore(wfe: WorkflowExecution): boolean {
    const { uid } = wfe.metadata;
    return uid !== undefined && this.#removed.get(objectKey(wfe)) === uid;
  }

  /**
   * Removes the execution's resource and releases its target's lock. A resource no engine here
   * can remove (its engine is not registered, or its spec no longer names one) is left, and
   * the lock released all the same, as kubernaut's ReconcileTerminal does: holding it would
   * not bring the engine back. The condition and the Event say what was left.
   */
  async #release(
    view: StatusView,
    wfe: WorkflowExecution | undefined,
    target: string | undefined,
    ctx: ReconcileContext,
  ): Promise<undefined> {
    const ref = view.status?.executionRef?.name;
    let notRemoved: string | undefined;
    if (wfe && this.#o.registry.has(wfe.spec.executionEngine)) {
      // Even without an executionRef: a start that crashed after its create and was refused on
      // the retry (its deadline passed) left a resource that holds the lock. Cleanup removes
      // only what this execution owns, so one that never created anything costs one request;
      // one this process removed when it failed before running costs none.
      if (!this.#removedBefore(wfe)) await this.#cleanup(wfe, 'after cooldown', ctx);
    } else if (ref !== undefined) {
      const why = wfe
        ? `engine "${wfe.spec.executionEngine}" is not registered with this controller`
        : 'its spec no longer names an engine and target this controller can read';
      notRemoved = `execution resource ${this.#o.executionNamespace}/${ref} was not removed: ${why}`;
    }
    // The cleanup decided the release; what is left is its Event and write. Waiters the removal
    // woke may start meanwhile: none of them reads LockReleased (the cooldown is over, and a
    // finished execution holds nothing in the target index), only its wake-up does.
    ctx.releaseWorker?.();
    // Under `outcome`, one Event per lifecycle, at its end (kubernaut records the same reason and
    // words): the status already tells a watcher the outcome, and an Event on completion would
    // be one more request in every execution's busiest stretch (see lifecycle-events.ts).
    const released = `Lock released for ${target ?? ''} after cooldown`;
    await this.#writeReported(
      view,
      (c) => markLockReleased(c, this.#o.now(), notRemoved),
      [
        {
          type: 'Normal',
          reason: 'LockReleased',
          message: notRemoved === undefined ? released : `${released}; ${notRemoved}`,
          key: 'LockReleased',
        },
      ],
      ctx,
    );
    if (wfe) this.#removed.delete(objectKey(wfe));
    return undefined;
  }

  async #finalize(object: KubeObject, ctx: ReconcileContext): Promise<undefined> {
    if (!hasFinalizer(object, this.#o.api.finalizer)) return undefined;
    const key = objectKey(object);
    let wfe: WorkflowExecution | undefined;
    try {
      // The same guarded parse as every other pass: a spec the schema alone would recurse
      // through until the stack overflowed must not hold the deletion for ever.
      wfe = this.#parse(key, object);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
    }
    if (wfe === undefined) {
      // An invalid spec was refused before anything was created (and the CRD keeps the spec
      // immutable), unless an older version started it under a spec this one refuses: its
      // engine removes what it started while the engine and target still parse. Should a watched
      // resource name this execution all the same, it goes.
      const salvaged = salvagedExecution(object);
      if (
        salvaged?.status?.executionRef !== undefined &&
        this.#o.registry.has(salvaged.spec.executionEngine)
      )
        await this.#cleanup(salvaged, 'during finalization', ctx);
      await this.#o.orphans?.release(key, ctx.signal);
    } else if (this.#o.registry.has(wfe.spec.executionEngine)) {
      // Its resource went already when the lock was released (LockReleased CleanedUp: the
      // cleanup came first), or when it failed before running: a cleanup now would only read
      // that the resource is gone, the cache having dropped it.
      if (!cleanedUp(wfe) && !this.#removedBefore(wfe))
        await this.#cleanup(wfe, 'during finalization', ctx);
    } else if (wfe.status?.executionRef) {
      // Holding the deletion forever would not bring the engine back; say what is left.
      void this.#o.events?.record(
        object,
        'Warning',
        'CleanupSkipped',
        reportedText(
          `engine "${wfe.spec.executionEngine}" is not registered; execution resource ${this.#o.executionNamespace}/${wfe.status.executionRef.name} was not removed`,
        ),
        // Recorded again when the finalizer write below fails and is retried: the same Event.
        { key: 'CleanupSkipped', signal: ctx.signal },
      );
    }
    // Before the finalizer goes: a write that fails and is retried records the same Event.
    if (this.#o.eventMode === 'lifecycle') {
      const { phase } = statusView(object).status ?? {};
      await this.#record(object, [workflowExecutionDeleted(phase)], ctx);
    }
    // A JSON patch held to this copy's uid and to where the finalizer stands in its list, not to
    // its resourceVersion: another controller's finalizer leaving, or a label edited, since the
    // cache's copy no longer costs a conflict, a read and a second write, and a list changed
    // under it is read again rather than written over. A successor of the name is never touched.
    // What the write returned is cached, so a reconcile woken by an edit made before it (another
    // controller's finalizer, a label) reads it instead of removing the finalizer again.
    const removed = await removeFinalizerAsRead(
      this.#o.client,
      this.#o.api.resource,
      object,
      this.#o.api.finalizer,
      { signal: ctx.signal },
    );
    if (removed) this.#o.executions.observe(removed);
    this.#forget(key);
    const uid = removed?.metadata?.uid;
    // The API server answers a removal that completed the deletion with the object as written.
    if (uid !== undefined && removed && !isStillStored(removed)) this.#deletedHere.set(key, uid);
    return undefined;
  }

  /**
   * Whether `key` names an execution whose deletion this process completed (#deletedHere). Its
   * cached copy is stale until the watch's delete event drops it: the removal's answer kept
   * the version it had, so the cache did not take it, and a reconcile woken meanwhile (by an
   * earlier event of it) would remove the finalizer again, answered 404. Once the cache has
   * dropped it, a miss needs no confirmation: a successor of the name, created later, comes as
   * an event of its own, and only this process, having seen that successor in the cache,
   * creates its resources. The entry goes once the cache no longer holds that uid.
   */
  #goneHere(key: string): boolean {
    const uid = this.#deletedHere.get(key);
    if (uid === undefined) return false;
    const { namespace, name } = splitKey(key);
    const cached = this.#o.executions.get(namespace, name);
    if (cached?.metadata?.uid === uid) return true;
    this.#deletedHere.delete(key);
    return cached === undefined;
  }

  /** Drops what this process keeps of an execution that is gone. */
  #forget(key: string): void {
    this.#polls.forget(key);
    this.#parsed.delete(key);
    this.#cleanupPendingNoted.delete(key);
    this.#removed.delete(key);
    this.#outcomes.forget(key);
  }

  /**
   * Runs the engine's cleanup; a failure is retried with backoff, and is reported by one
   * Warning Event per stage, since it holds the target's lock (or the execution's deletion)
   * until it succeeds. The first two stages are kubernaut's words (`Cleanup failed after
   * cooldown: …`, `Cleanup failed during finalization: …`), which its readers match. An engine
   * that waits (`CleanupPendingError`) gets one Normal Event per stage instead, and is asked
   * again when it says.
   */
  async #cleanup(
    wfe: WorkflowExecution,
    stage: 'after cooldown' | 'during finalization' | 'after a failed start',
    ctx: ReconcileContext,
  ): Promise<void> {
    const key = objectKey(wfe);
    try {
      await this.#o.registry
        .get(wfe.spec.executionEngine)
        .cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal });
      this.#cleanupPendingNoted.delete(key);
    } catch (error) {
      // A shutdown cutting the cleanup short is no failure of it.
      if (ctx.signal.aborted) throw error;
      if (error instanceof CleanupPendingError) {
        const noted = `${wfe.metadata.uid} ${stage}`;
        if (this.#cleanupPendingNoted.get(key) !== noted) {
          const outcome = await this.#o.events?.record(
            wfe,
            'Normal',
            'CleanupPending',
            reportedText(`Cleanup waiting ${stage}: ${error.message}`),
            { key: `CleanupPending ${stage}`, signal: ctx.signal },
          );
          // A recorder that gave up is asked again on the next look.
          if (outcome !== 'failed') this.#cleanupPendingNoted.set(key, noted);
        }
        throw error;
      }
      // Reported as what it is (#stalled), not as a cleanup that failed.
      if (error instanceof ConventionsMismatchError) throw error;
      // Nothing after this Event reads its answer: the failure is rethrown, or, after a failed
      // start, its Failed write follows all the same (#gaveUpStart). The worker may go.
      ctx.releaseWorker?.();
      await this.#o.events?.record(
        wfe,
        'Warning',
        'CleanupFailed',
        reportedText(
          `Cleanup failed ${stage}: ${error instanceof Error ? error.message : String(error)}`,
        ),
        { key: `CleanupFailed ${stage}`, signal: ctx.signal },
      );
      throw error;
    }
  }

  /**
   * Fails the execution, reported by one Event (see #writeReported); under `lifecycle`, after
   * `before` (kubernaut's WorkflowValidationFailed) and followed by kubernaut's PhaseTransition.
   * `adopting` names the resource a failed adoption found, recorded as the execution's own.
   */
  async #fail(
    object: StatusView,
    classified: Failure,
    ctx: ReconcileContext,
    before: readonly ReportedEvent[] = [],
    adopting?: string,
  ): Promise<void> {
    const failure: Failure = this.#o.unlistedFailureReasons.includes(classified.reason)
      ? { ...classified, reason: fallbackFailureReason }
      : classified;
    // The summary names the workflow and target only of an execution whose spec was valid; what
    // is known under its key may be a predecessor's (another uid), whose spec is not this one.
    const known = this.#parsed.get(objectKey(object));
    const spec = known?.metadata.uid === object.metadata.uid ? known?.spec : undefined;
    const subject = spec && {
      workflowId: spec.workflowRef.workflowId,
      targetResource: spec.targetResource,
    };
    // kubernaut counts every failure, one refused before it started included (0 seconds).
    const seconds = ranSeconds(object, failure.result, this.#o.now());
    await this.#outcomes.write(object, 'Failed', seconds, () =>
      this.#writeReported(
        object,
        (c) => {
          const failed = markFailed(c, subject ? { ...failure, subject } : failure, this.#o.now());
          // A resource being adopted (#adopt) runs under the name it was found by, which a prefix
          // changed since makes another than today's: recorded, the cleanup after the cooldown
          // removes it and releases the target, where today's name would find nothing.
          return failed && adopting !== undefined
            ? { ...failed, executionRef: { name: adopting } }
            : failed;
        },
        [
          ...before,
          {
            type: 'Warning',
            reason: 'WorkflowFailed',
            message: failedEventMessage(object, failure, spec?.workflowRef.workflowId ?? ''),
            key: 'WorkflowFailed',
          },
          ...this.#lifecycle(
            phaseTransition(object.status?.phase === 'Running' ? 'Running' : 'Pending', 'Failed'),
          ),
        ],
        ctx,
      ),
    );
  }

  /**
   * Writes a status change and the Events that report it, the Events first, in order, each
   * under its key: a reconcile killed between the two records them again when it is retried,
   * and that record, or one by a replica resuming from a pause with an older copy, is the same
   * Events, not a second copy. A copy that already has the change (a resync, an edited label)
   * records nothing.
   */
  async #writeReported(
    object: StatusView,
    compute: (current: StatusView) => WorkflowExecutionStatus | undefined,
    events: readonly ReportedEvent[],
    ctx: ReconcileContext,
  ): Promise<boolean> {
    if (compute(object) === undefined) return false;
    await this.#record(object, events, ctx);
    return this.#write(object, compute, ctx);
  }

  /**
   * Records `events` one after another, so they are listed in the order they happened; one
   * with `onlyIfFound` only when the Event under that key was found there already.
   */
  async #record(
    object: StatusView | KubeObject,
    events: readonly ReportedEvent[],
    ctx: ReconcileContext,
  ): Promise<void> {
    const found = new Set<string>();
    for (const event of events) {
      if (event.onlyIfFound !== undefined && !found.has(event.onlyIfFound)) continue;
      const outcome = await this.#o.events?.record(
        object,
        event.type,
        event.reason,
        reportedText(event.message),
        {
          key: event.key,
          signal: ctx.signal,
        },
      );
      if (outcome === 'exists') found.add(event.key);
    }
  }

  /** `events` under `lifecycle`; none under `outcome`, which records only the outcome. */
  #lifecycle(...events: ReportedEvent[]): readonly ReportedEvent[] {
    return this.#o.eventMode === 'lifecycle' ? events : [];
  }

  /**
   * Writes status through the status subresource, recomputed on a conflict. True when a new
   * status was written; false when there was nothing to change (or no object to change).
   */
  async #write(
    object: StatusView,
    compute: (current: StatusView) => WorkflowExecutionStatus | undefined,
    ctx: ReconcileContext,
  ): Promise<boolean> {
    let read: string | undefined;
    const written = await updateStatus<KubeObject>(
      this.#o.client,
      this.#o.api.resource,
      object.metadata.namespace,
      object.metadata.name,
      (current) => {
        read = current.metadata?.resourceVersion;
        // The first attempt writes onto `object`, already parsed; a retry reads the object anew.
        return compute(current === object ? object : statusView(current));
      },
      // The status transitions are pure, and `statusView` parses into a copy of its own. Held to
      // this copy's uid: a status decided about it never lands on a successor of the name.
      { signal: ctx.signal, current: object, uid: object.metadata.uid, copy: false },
    );
    if (!written) return false;
    this.#o.executions.observe(written);
    // updateStatus returns the object it read when it wrote nothing; a write moves the version on.
    return written.metadata?.resourceVersion !== read;
  }
}

/**
 * `wfe` with the metadata of a newer version of its object (what a write returned); undefined
 * when there is none (the write found the execution gone) or `updated` is another object, one
 * re-created under the name (another uid). Its metadata must never go with this spec: a Job of
 * the predecessor's spec would be created, or recorded, as the successor's.
 */
function withMetadataOf(
  wfe: WorkflowExecution,
  updated: KubeObject | null,
): WorkflowExecution | undefined {
  if (!updated) return undefined;
  const { metadata } = statusView(updated);
  const uid = wfe.metadata.uid;
  if (uid !== undefined && metadata.uid !== uid) return undefined;
  return { ...wfe, metadata: { ...wfe.metadata, ...metadata } };
}

/** Another execution that holds a start's target, as `heldByAnother` names it. */
type Holder = NonNullable<ReturnType<ExecutionsByTarget['heldByAnother']>>;

/** The execution as the target index knows a start of it: who, on which target, by which engine. */
function startingOnTarget(wfe: WorkflowExecution) {
  return {
    namespace: wfe.metadata.namespace,
    name: wfe.metadata.name,
    uid: wfe.metadata.uid,
    target: wfe.spec.targetResource,
    engine: wfe.spec.executionEngine,
  };
}
