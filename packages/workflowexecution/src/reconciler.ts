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
  removeFinalizer,
  splitKey,
  updateStatus,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  type Dependencies,
  type ExecutionResult,
  type Logger,
  noopLogger,
  PreviousExecutionNotCleanedError,
  parseWorkflowExecution,
  type Registry,
  ResourceLockedError,
  type WorkflowExecution,
  WorkflowExecutionSchema,
  type WorkflowExecutionStatus,
} from '@roundhouse/core';
import type { KubeClient, KubeObject, Reader } from '@roundhouse/kube';
import { classifyResult, classifyStartError } from './failure.js';
import {
  cleanupFinalizer,
  type StatusView,
  statusView,
  targetOf,
  workflowExecutions,
} from './resource.js';
import {
  conditionTypes,
  cooldownRemaining,
  type Failure,
  markCompleted,
  markFailed,
  markLockReleased,
  markProgress,
  markRunning,
  markWaiting,
} from './status.js';

export interface WorkflowExecutionReconcilerOptions {
  /** Writes status and finalizers. */
  readonly client: KubeClient;
  /** Reads WorkflowExecutions; the controller's cache, which confirms a miss live. */
  readonly reader: Reader;
  readonly registry: Registry;
  /** The informer of WorkflowExecutions in every watched namespace, for the cooldown scan. */
  readonly executions: Pick<Informer<KubeObject>, 'list'>;
  /** Where execution resources (Jobs, PipelineRuns) are created. */
  readonly executionNamespace: string;
  /** Reconcile WorkflowExecutions in this namespace only; default all. */
  readonly watchNamespace?: string;
  /** Time a target stays locked after an execution on it finished; default 5 minutes. */
  readonly cooldownMs?: number;
  /** `fail` a second execution on a busy target (default), or `wait` in Pending. */
  readonly lockPolicy?: 'fail' | 'wait';
  /** Engines without a watch are polled, starting here and doubling; default 2 s to 30 s. */
  readonly pollIntervalMs?: { readonly initial: number; readonly max: number };
  /** Re-check of watched engines in case an event was missed; default 60 s. */
  readonly resyncMs?: number;
  /**
   * Engines whose execution resources are watched, so events wake the reconciler and it only
   * resyncs slowly; every other engine is polled. Default none.
   */
  readonly watchedEngines?: ReadonlySet<string>;
  /** Supplies dependencies from elsewhere (kubernaut asks its catalog); default spec.dependencies. */
  readonly resolveDependencies?: (wfe: WorkflowExecution) => Promise<Dependencies | undefined>;
  readonly events?: EventRecorder;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/**
 * Drives one WorkflowExecution through validate -> finalizer -> cooldown -> create -> Running ->
 * Completed/Failed -> cooldown -> cleanup, and runs cleanup before a deleted execution goes.
 * Every step is safe to repeat: a restarted controller picks up where the status says it was,
 * and the executors' idempotent create adopts what a crashed run already created.
 */
export class WorkflowExecutionReconciler implements Reconciler {
  readonly #o: Required<
    Omit<
      WorkflowExecutionReconcilerOptions,
      'events' | 'resolveDependencies' | 'watchedEngines' | 'watchNamespace'
    >
  > &
    Pick<
      WorkflowExecutionReconcilerOptions,
      'events' | 'resolveDependencies' | 'watchNamespace'
    > & {
      watchedEngines: ReadonlySet<string>;
    };
  readonly #polls = new Map<string, number>();

  constructor(options: WorkflowExecutionReconcilerOptions) {
    this.#o = {
      cooldownMs: 5 * 60_000,
      lockPolicy: 'fail',
      pollIntervalMs: { initial: 2_000, max: 30_000 },
      resyncMs: 60_000,
      logger: noopLogger,
      now: () => new Date(),
      watchedEngines: new Set<string>(),
      ...options,
    };
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    // Another controller's execution whose resource shares our execution namespace: not ours.
    if (this.#o.watchNamespace !== undefined && namespace !== this.#o.watchNamespace)
      return undefined;
    // The cache may lag behind the server; that is safe: status writes recompute from a fresh
    // read on a conflict, and create adopts what an earlier pass created.
    const object = await this.#o.reader.get<KubeObject>(workflowExecutions, namespace, name, {
      signal: ctx.signal,
    });
    if (!object) {
      this.#polls.delete(key);
      return undefined;
    }
    if (object.metadata?.deletionTimestamp) return this.#finalize(object, ctx);

    let wfe: WorkflowExecution;
    try {
      wfe = parseWorkflowExecution(object);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      // Nothing was created for an invalid execution, so there is nothing to clean up either.
      await this.#fail(
        statusView(object),
        { reason: 'ConfigurationError', message: error.message, wasExecutionFailure: false },
        ctx,
      );
      return undefined;
    }

    if (!hasFinalizer(object, cleanupFinalizer)) {
      await addFinalizer(this.#o.client, workflowExecutions, object, cleanupFinalizer, {
        signal: ctx.signal,
      });
    }
    switch (wfe.status?.phase) {
      case undefined:
      case 'Pending':
        return this.#start(wfe, ctx);
      case 'Running':
        return this.#observe(wfe, key, ctx);
      default:
        return this.#afterFinish(wfe, ctx);
    }
  }

  async #start(
    wfe: WorkflowExecution,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const blocking = this.#cooldownBlocking(wfe);
    if (blocking) {
      const seconds = Math.ceil(blocking.remainingMs / 1000);
      await this.#write(
        wfe,
        (c) =>
          markWaiting(
            c,
            'CooldownActive',
            `target ${wfe.spec.targetResource} is cooling down after ${blocking.name} (${seconds}s left)`,
            this.#o.now(),
          ),
        ctx,
      );
      return { requeueAfter: blocking.remainingMs };
    }
    const engine = wfe.spec.executionEngine;
    let resourceName: string;
    try {
      const executor = this.#o.registry.get(engine);
      const dependencies = this.#o.resolveDependencies
        ? await this.#o.resolveDependencies(wfe)
        : wfe.spec.dependencies;
      const created = await executor.create(wfe, this.#o.executionNamespace, {
        ...(dependencies ? { dependencies } : {}),
        signal: ctx.signal,
      });
      resourceName = created.resourceName;
      for (const warning of created.warnings)
        ctx.logger.warn({ wfe: wfe.metadata.name, warning }, 'API warning on create');
    } catch (error) {
      return this.#startFailed(wfe, error, ctx);
    }
    await this.#write(
      wfe,
      (c) => markRunning(c, engine, resourceName, this.#o.executionNamespace, this.#o.now()),
      ctx,
    );
    void this.#o.events?.record(
      wfe,
      'Normal',
      'ExecutionCreated',
      `created ${engine} execution ${this.#o.executionNamespace}/${resourceName}`,
    );
    return { requeueAfter: this.#nextPoll(engine, objectKey(wfe), true) };
  }

  async #startFailed(
    wfe: WorkflowExecution,
    error: unknown,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const waitForLock = this.#o.lockPolicy === 'wait' && error instanceof ResourceLockedError;
    if (waitForLock || error instanceof PreviousExecutionNotCleanedError) {
      // The holder's controller releases the lock (after its cooldown); retry with backoff.
      await this.#write(
        wfe,
        (c) => markWaiting(c, 'TargetLocked', (error as Error).message, this.#o.now()),
        ctx,
      );
      throw error;
    }
    const reason = classifyStartError(error);
    if (!reason) throw error;
    await this.#fail(
      wfe,
      { reason, message: (error as Error).message, wasExecutionFailure: false },
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
    const executor = this.#o.registry.get(engine);
    const result = await executor.getStatus(wfe, this.#o.executionNamespace, {
      signal: ctx.signal,
    });
    if (result === null) {
      const resource = `${this.#o.executionNamespace}/${wfe.status?.executionRef?.name ?? '?'}`;
      await this.#fail(
        wfe,
        {
          reason: 'ExecutionResourceDeleted',
          message: `${engine} execution resource ${resource} was deleted while the workflow was running`,
          wasExecutionFailure: false,
        },
        ctx,
      );
      return { requeueAfter: this.#o.cooldownMs };
    }
    if (result.phase === 'Completed' || result.phase === 'Failed') {
      this.#polls.delete(key);
      await this.#finish(wfe, result, ctx);
      return { requeueAfter: this.#o.cooldownMs };
    }
    await this.#write(wfe, (c) => markProgress(c, engine, result, this.#o.now()), ctx);
    return { requeueAfter: this.#nextPoll(engine, key, false) };
  }

  async #finish(
    wfe: WorkflowExecution,
    result: ExecutionResult,
    ctx: ReconcileContext,
  ): Promise<void> {
    if (result.phase === 'Completed') {
      await this.#write(wfe, (c) => markCompleted(c, result, this.#o.now()), ctx);
      void this.#o.events?.record(wfe, 'Normal', 'WorkflowCompleted', result.message);
      return;
    }
    await this.#fail(
      wfe,
      {
        reason: classifyResult(result),
        message: result.message,
        wasExecutionFailure: true,
        result,
      },
      ctx,
    );
  }

  /** After the cooldown, cleanup releases the target's lock for the next execution. */
  async #afterFinish(
    wfe: WorkflowExecution,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    if (findCondition(wfe.status?.conditions, conditionTypes.lockReleased)?.status === 'True')
      return undefined;
    const remaining = cooldownRemaining(wfe, this.#o.cooldownMs, this.#o.now());
    if (remaining > 0) return { requeueAfter: remaining };
    return this.#release(wfe, ctx);
  }

  async #release(wfe: WorkflowExecution, ctx: ReconcileContext): Promise<undefined> {
    if (this.#o.registry.has(wfe.spec.executionEngine)) {
      await this.#o.registry
        .get(wfe.spec.executionEngine)
        .cleanup(wfe, this.#o.executionNamespace, { signal: ctx.signal });
    }
    await this.#write(wfe, (c) => markLockReleased(c, this.#o.now()), ctx);
    return undefined;
  }

  async #finalize(object: KubeObject, ctx: ReconcileContext): Promise<undefined> {
    if (!hasFinalizer(object, cleanupFinalizer)) return undefined;
    // An execution whose spec is invalid never created anything; one with an engine nobody
    // registers here has nothing this controller could clean up.
    const parsed = WorkflowExecutionSchema.safeParse(object);
    const engine = parsed.data?.spec.executionEngine;
    if (parsed.success && engine && this.#o.registry.has(engine)) {
      await this.#o.registry
        .get(engine)
        .cleanup(parsed.data, this.#o.executionNamespace, { signal: ctx.signal });
    }
    await removeFinalizer(this.#o.client, workflowExecutions, object, cleanupFinalizer, {
      signal: ctx.signal,
    });
    this.#polls.delete(objectKey(object));
    return undefined;
  }

  async #fail(object: StatusView, failure: Failure, ctx: ReconcileContext): Promise<void> {
    await this.#write(object, (c) => markFailed(c, failure, this.#o.now()), ctx);
    void this.#o.events?.record(
      object,
      'Warning',
      'WorkflowFailed',
      `${failure.reason}: ${failure.message}`,
    );
  }

  /** Writes status through the status subresource, recomputed on a conflict. */
  async #write(
    object: StatusView,
    compute: (current: StatusView) => WorkflowExecutionStatus | undefined,
    ctx: ReconcileContext,
  ): Promise<void> {
    await updateStatus<KubeObject>(
      this.#o.client,
      workflowExecutions,
      object.metadata.namespace,
      object.metadata.name,
      (current) => compute(statusView(current)),
      { signal: ctx.signal, current: object },
    );
  }

  /** The most recent execution on the same target still inside its cooldown, if any. */
  #cooldownBlocking(wfe: WorkflowExecution): { name: string; remainingMs: number } | undefined {
    let blocking: { name: string; remainingMs: number } | undefined;
    for (const other of this.#o.executions.list()) {
      if (other.metadata?.uid === wfe.metadata.uid || targetOf(other) !== wfe.spec.targetResource)
        continue;
      const remainingMs = cooldownRemaining(statusView(other), this.#o.cooldownMs, this.#o.now());
      if (remainingMs > (blocking?.remainingMs ?? 0)) {
        blocking = { name: `${other.metadata?.namespace}/${other.metadata?.name}`, remainingMs };
      }
    }
    return blocking;
  }

  /** Watched engines wake the reconciler by events; a slow resync covers a missed one. */
  #nextPoll(engine: string, key: string, reset: boolean): number {
    if (this.#o.watchedEngines.has(engine)) return this.#o.resyncMs;
    const { initial, max } = this.#o.pollIntervalMs;
    const previous = reset ? undefined : this.#polls.get(key);
    const next = previous === undefined ? initial : Math.min(previous * 2, max);
    this.#polls.set(key, next);
    return next;
  }
}
