/**
 * The Controller: informers feed a workqueue, workers reconcile. Over 350 lines because
 * start, drain and the worker loop share the queue, the reconciles in flight and the leader's
 * signal; the queue (workqueue.ts) and the lease rules (leadership.ts) already live apart.
 */
import { ConfigurationError, type Logger, noopLogger, RoundhouseError } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { type Clock, clockOptionIssue, systemClock } from './clock.js';
import { aborted } from './delay.js';
import { describeError } from './describe-error.js';
import { type ElectionClock, electionClock } from './election-clock.js';
import type { Informer } from './informer.js';
import { objectKey, splitKey } from './keys.js';
import {
  keepLeaseWhile,
  LeadershipLostError,
  leadershipLostSignal,
  mayStartWork,
} from './leadership.js';
import type { ControllerMetrics, ReconcileOutcome } from './metrics.js';
import type { RateLimiter } from './rate-limiters.js';
import { boundedSignal, ReconcileTimeoutError } from './reconcile-timeout.js';
import { retryAfterMs } from './retry-after.js';
import { isTerminalError } from './terminal-error.js';
import { withFields } from './with-fields.js';
import { type AddOptions, WorkQueue } from './workqueue.js';

export interface ReconcileContext {
  /**
   * Aborts when shutdown gives up waiting for in-flight reconciles (see `drainTimeoutMs`), or
   * when the leadership the controller was started under is lost, even in the middle of a drain.
   */
  readonly signal: AbortSignal;
  /** The controller's logger with `controller` and `key` fields. */
  readonly logger: Logger;
  /** How many times this key has failed in a row; 0 on a first try or after a success. */
  readonly attempt: number;
  /**
   * Lets the worker take the next key while this reconcile ends in a write whose answer decides
   * nothing more for it (a last status write): the key stays handed out until the reconcile
   * returns, so no other reconcile of it overlaps, and what it returns or throws requeues it as
   * always. At most `workers` reconciles at a time are let go; beyond that the call does nothing
   * and the worker waits as usual, so no more than twice `workers` keys are ever in flight.
   * A call after the reconcile returned does nothing.
   */
  readonly releaseWorker?: (() => void) | undefined;
}

export interface ReconcileResult {
  /** Reconcile this key again after this many ms, even if nothing changes. */
  readonly requeueAfter?: number | undefined;
}

export interface Reconciler {
  /**
   * Brings the object named by `key` (`namespace/name`) to its desired state. Thrown errors
   * requeue the key with backoff, a TerminalError does not. It may run again for a key at any
   * time, so it must be idempotent; it never runs concurrently for the same key.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets an implementation simply not return.
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

export interface ControllerOptions {
  /** Names the controller in logs and metrics. */
  readonly name: string;
  readonly reconciler: Reconciler;
  /** Keys reconciled in parallel (never the same key twice). Default 1. */
  readonly workers?: number | undefined;
  /** Backoff of failed keys; default per key 5 ms doubling to 1000 s, overall 10 qps, burst 100. */
  readonly rateLimiter?: RateLimiter<string> | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  /**
   * On shutdown, how long in-flight reconciles may run before their signal aborts. Default
   * 20 s: with the few seconds they then get to stop, inside Kubernetes' default 30 s
   * termination grace period. Losing the lease cuts the drain short.
   */
  readonly drainTimeoutMs?: number | undefined;
  /**
   * How long one reconcile may run before its signal aborts with a `ReconcileTimeoutError`, as
   * controller-runtime's `ReconciliationTimeout`: a reconcile stuck on a call that never
   * answers then fails and is retried with backoff instead of holding its worker for ever.
   * The key stays handed out until the reconcile returns, so one that ignores its signal still
   * holds its worker. Default none (0 too), as controller-runtime's.
   */
  readonly reconcileTimeoutMs?: number | undefined;
  /**
   * The time the controller runs on: the drain timeout, the 3 s aborted reconciles get to
   * return, the workqueue's delays (`requeueAfter`, retries with backoff, the default rate
   * limiter's token bucket) and the durations it reports in metrics. A `rateLimiter` you pass
   * keeps its own clock. Default `systemClock`, the process's own timers; a test passes a
   * `ManualClock` and moves it instead of sleeping.
   */
  readonly clock?: Clock | undefined;
}

/**
 * How long shutdown waits for reconciles after aborting their signal. One that ignores its
 * signal is left behind then, so the process still ends inside the pod's grace period; it still
 * counts as in flight (see `Controller.reconciling`) until it settles.
 */
const abortedReconcilesGraceMs = 3_000;

interface Watched {
  readonly informer: Informer<KubeObject>;
  readonly map: (obj: KubeObject) => string[];
}

/**
 * Runs a Reconciler: informers feed keys into a rate-limited workqueue, workers reconcile them.
 * A key is never reconciled by two workers at once, nor by a start while a reconcile of it that
 * an earlier start left behind still runs, and a change that arrives while its key is being
 * reconciled makes it run once more afterwards.
 */
export class Controller {
  readonly #name: string;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #rateLimiter: RateLimiter<string> | undefined;
  readonly #logger: Logger;
  readonly #metrics: ControllerMetrics | undefined;
  readonly #drainTimeoutMs: number;
  readonly #reconcileTimeoutMs: number | undefined;
  readonly #clock: Clock;
  /** `#clock` as timeouts and pauses; the process's own timers for `systemClock`. */
  readonly #time: ElectionClock;
  readonly #watched: Watched[] = [];
  #queue: WorkQueue<string> | undefined;
  #ready = false;
  /**
   * Every reconcile running, by key, whichever start began it: one a stopped start left behind
   * (it ignored its aborted signal) keeps its key from the next start's workers until it settles.
   */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Reconciles that let their worker go (`releaseWorker`) and still run. */
  #released = 0;

  constructor(options: ControllerOptions) {
    const clockIssue = clockOptionIssue(options.clock);
    if (clockIssue) throw new ConfigurationError(clockIssue);
    this.#clock = options.clock ?? systemClock;
    this.#time = electionClock(this.#clock);
    this.#name = options.name;
    this.#reconciler = options.reconciler;
    this.#workers = Math.max(1, options.workers ?? 1);
    this.#rateLimiter = options.rateLimiter;
    this.#logger = withFields(options.logger ?? noopLogger, { controller: options.name });
    this.#metrics = options.metrics;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 20_000;
    const timeout = options.reconcileTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
      throw new ConfigurationError({
        path: 'reconcileTimeoutMs',
        message: 'must be a number of milliseconds, 0 or left out for none',
      });
    }
    this.#reconcileTimeoutMs = timeout === 0 ? undefined : timeout;
  }

  /** True once every informer has synced and the workers run; false again on shutdown. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * The keys being reconciled now, including those a stopped `start` left behind because their
   * reconcile ignored its aborted signal. Empty once `start` resolved means nothing of this
   * controller runs any more; a process that lost its lease with keys here should end, as
   * controller-runtime's manager does, since another replica may already reconcile them.
   */
  get reconciling(): readonly string[] {
    return [...this.#inFlight.keys()];
  }

  /**
   * Reconciles the keys `map` gives for each added, updated (old and new state) or deleted
   * object. Default: the object's own key. Call before `start`; `start` starts the informer.
   * With `priority`, those keys go ahead of keys of a lower priority waiting in the queue: a
   * controller that gives the resources it created a higher priority than its own objects
   * finishes what runs before it starts more, as a burst of new objects would otherwise delay
   * every finished one behind it.
   */
  watch<T extends KubeObject>(
    informer: Informer<T>,
    map?: (obj: T) => string[],
    options: AddOptions = {},
  ): this {
    const mapped = (map ?? ((obj: T) => [objectKey(obj)])) as (obj: KubeObject) => string[];
    const toKeys = (obj: KubeObject): string[] => {
      try {
        return mapped(obj);
      } catch (error) {
        this.#logger.error(
          { ...describeError(error), object: objectKey(obj) },
          'mapping an object to keys failed',
        );
        return [];
      }
    };
    const enqueue = (obj: T, old?: T) => {
      for (const key of toKeys(obj)) this.enqueue(key, options);
      if (old) for (const key of toKeys(old)) this.enqueue(key, options);
    };
    // A delete whose final state is unknown maps from the last state seen: keys come from names,
    // labels and owners, and the reconcile reads the live object, not this one.
    informer
      .on('add', enqueue)
      .on('update', enqueue)
      .on('delete', (obj) => enqueue(obj));
    this.#watched.push({ informer: informer as unknown as Informer<KubeObject>, map: toKeys });
    return this;
  }

  /** Queues a key for reconciling; ignored while the controller is not running. */
  enqueue(key: string, options: AddOptions = {}): void {
    this.#queue?.add(key, options);
  }

  /**
   * Starts the informers, waits for their caches, then reconciles until `signal` aborts. Then
   * it stops taking keys, waits for in-flight reconciles (aborting their signal after
   * `drainTimeoutMs`, or at once when `signal` is a leader's and the lease is lost), stops the
   * informers and resolves. Once aborted, reconciles get a few seconds to return; any still
   * running then are logged and left behind, and still count: when `signal` is a leader's
   * (`onStartedLeading`'s), the elector keeps the lease, unreleased, while they run (see
   * `keepLeaseWhile`), and a later start reconciles none of their keys before they settle. It
   * can be started again once it resolved.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#queue) throw new ControllerRunningError(this.#name);
    const queue = new WorkQueue<string>({
      name: this.#name,
      clock: this.#clock,
      // Namespaces take turns, so one tenant's backlog does not hold back another's objects;
      // cluster-scoped keys have no namespace and share one turn, a plain FIFO.
      groupOf: (key) => splitKey(key).namespace ?? '',
      ...(this.#rateLimiter ? { rateLimiter: this.#rateLimiter } : {}),
      ...(this.#metrics ? { metrics: this.#metrics } : {}),
    });
    this.#queue = queue;
    try {
      if (!(await this.#sync(signal))) return;
      // A restarted informer reports only what changed while it was stopped; every cached
      // object still needs a reconcile under this new queue.
      for (const { informer, map } of this.#watched) {
        for (const obj of informer.list()) for (const key of map(obj)) queue.add(key);
      }
      const reconciles = new AbortController();
      const workers = Array.from({ length: this.#workers }, () =>
        this.#work(queue, signal, reconciles.signal),
      );
      this.#ready = true;
      this.#logger.info({ workers: this.#workers }, 'controller started');
      await aborted(signal);
      this.#ready = false;
      await this.#drain(queue, reconciles, signal);
      await this.#awaitWorkers(workers);
      this.#logger.info({}, 'controller stopped');
    } finally {
      this.#ready = false;
      queue.shutDown();
      await Promise.all(this.#watched.map(({ informer }) => informer.stop()));
      this.#queue = undefined;
      // Reconciles left behind, by this start or an earlier one, still act for this leadership.
      const left = [...this.#inFlight.values()];
      if (left.length > 0) keepLeaseWhile(signal, Promise.all(left));
    }
  }

  /** Starts every informer; false when `signal` aborted before they all synced. */
  async #sync(signal: AbortSignal): Promise<boolean> {
    const stop = () => {
      for (const { informer } of this.#watched) void informer.stop();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(this.#watched.map(({ informer }) => informer.start()));
      return !signal.aborted;
    } catch (error) {
      if (signal.aborted) return false;
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Lets in-flight reconciles finish, until the drain timeout or the loss of the lease. */
  async #drain(
    queue: WorkQueue<string>,
    reconciles: AbortController,
    signal: AbortSignal,
  ): Promise<void> {
    // Another replica may lead already; reconciles left to finish would race its own, so
    // they are aborted at once, as controller-runtime skips its graceful shutdown then.
    const lost = leadershipLostSignal(signal);
    if (signal.reason instanceof LeadershipLostError || lost?.aborted) {
      queue.shutDown();
      reconciles.abort(lost?.reason ?? signal.reason);
      return;
    }
    // A drain on SIGTERM outlasts the lease when renewing fails meanwhile; the leading signal
    // has aborted already and cannot say so again, so the lost signal is watched instead.
    const onLost = () => {
      this.#logger.warn({}, 'lost the lease while draining; aborting in-flight reconciles');
      reconciles.abort(lost?.reason);
    };
    lost?.addEventListener('abort', onLost, { once: true });
    const drained = new AbortController();
    void this.#time.sleep(this.#drainTimeoutMs, drained.signal).then(() => {
      if (drained.signal.aborted) return;
      this.#logger.warn(
        { drainTimeoutMs: this.#drainTimeoutMs },
        'in-flight reconciles did not finish in time; aborting them',
      );
      reconciles.abort(new Error(`controller ${this.#name} is shutting down`));
    });
    try {
      await Promise.race([queue.shutDownWithDrain(), aborted(reconciles.signal)]);
    } finally {
      drained.abort();
      lost?.removeEventListener('abort', onLost);
    }
  }

  /**
   * Waits for the workers and every reconcile in flight (one an earlier start left behind
   * included); for reconciles that ignore their aborted signal, only so long.
   */
  async #awaitWorkers(workers: Promise<void>[]): Promise<void> {
    const timer = new AbortController();
    const stopped = await Promise.race([
      Promise.all([...workers, ...this.#inFlight.values()]).then(() => true),
      this.#time.sleep(abortedReconcilesGraceMs, timer.signal).then(() => false),
    ]);
    timer.abort();
    if (!stopped && this.#inFlight.size > 0) {
      this.#logger.warn(
        { keys: this.reconciling, graceMs: abortedReconcilesGraceMs },
        'aborted reconciles are still running; stopping without them (no start reconciles their keys, and a leader keeps its lease, until they end)',
      );
    }
  }

  /** Takes keys from `queue` while `running` has not aborted; `signal` is the reconciles'. */
  async #work(queue: WorkQueue<string>, running: AbortSignal, signal: AbortSignal): Promise<void> {
    for (;;) {
      const next = await queue.getWithPriority();
      if (next === undefined) return;
      const { key, priority } = next;
      // Stopped, or leading on a lease past its renew deadline (which this check ends): the
      // queue is shut down next, and a restart or the next leader lists every object again.
      if (!mayStartWork(running)) {
        queue.done(key);
        return;
      }
      const earlier = this.#inFlight.get(key);
      if (earlier) {
        // An earlier start left a reconcile of this key running. The key stays handed out, so
        // no other worker takes it and an add meanwhile only marks it, until that one settles;
        // then it is queued again, to be reconciled under this start.
        const requeue = () => {
          queue.add(key, { priority });
          queue.done(key);
        };
        void earlier.then(requeue, requeue);
        continue;
      }
      let settled: Promise<void> | undefined;
      // A call once the reconcile returned frees nothing: counted then, it would never be
      // taken off, and every later reconcile would find one place fewer to let its worker go.
      let worker: 'held' | 'released' | 'returned' = 'held';
      let letGo: () => void = () => {};
      const workerFree = new Promise<void>((resolve) => {
        letGo = resolve;
      });
      const releaseWorker = () => {
        if (worker !== 'held' || this.#released >= this.#workers) return;
        worker = 'released';
        this.#released += 1;
        letGo();
      };
      const reconciling = this.#reconcile(queue, key, priority, signal, releaseWorker).finally(
        () => {
          if (worker === 'released') this.#released -= 1;
          worker = 'returned';
          if (this.#inFlight.get(key) === settled) this.#inFlight.delete(key);
          queue.done(key);
        },
      );
      settled = reconciling.then(
        () => undefined,
        () => undefined,
      );
      this.#inFlight.set(key, settled);
      await Promise.race([reconciling, workerFree]);
    }
  }

  /**
   * Reconciles `key`, handed out at `priority`; a retry or a `requeueAfter` keeps that priority,
   * as controller-runtime's does, so a key a higher-priority watch queued does not fall behind
   * every lower one that arrived while it waited.
   */
  async #reconcile(
    queue: WorkQueue<string>,
    key: string,
    priority: number,
    signal: AbortSignal,
    releaseWorker: () => void,
  ): Promise<void> {
    const attempt = queue.numRequeues(key);
    const logger = withFields(this.#logger, { key });
    const started = this.#clock.now();
    const bounded = boundedSignal(
      signal,
      this.#reconcileTimeoutMs,
      this.#clock,
      () => new ReconcileTimeoutError(this.#name, key, this.#reconcileTimeoutMs ?? 0),
    );
    let outcome: ReconcileOutcome;
    try {
      const result = await this.#reconciler.reconcile(key, {
        signal: bounded.signal,
        logger,
        attempt,
        releaseWorker,
      });
      queue.forget(key);
      const after = result?.requeueAfter;
      if (after !== undefined && after > 0) {
        queue.addAfter(key, after, { priority });
        outcome = 'requeue_after';
      } else {
        outcome = 'success';
      }
    } catch (error) {
      if (isTerminalError(error)) {
        queue.forget(key);
        outcome = 'terminal_error';
        logger.error({ ...describeError(error), attempt }, 'reconcile failed; not retrying');
      } else {
        queue.addRateLimited(key, retryAfterMs(error), { priority });
        outcome = 'error';
        const timedOut = bounded.signal.reason instanceof ReconcileTimeoutError;
        // Conflicts, locks held elsewhere and the like are routine; they are not errors to page
        // on. A reconcile cut short by its timeout is, whatever it threw on the way out.
        const routine = error instanceof RoundhouseError && error.retryable && !timedOut;
        (routine ? logger.info : logger.error).call(
          logger,
          {
            ...describeError(timedOut ? bounded.signal.reason : error),
            ...(timedOut ? { cause: describeError(error) } : {}),
            attempt,
          },
          'reconcile failed; retrying with backoff',
        );
      }
    } finally {
      bounded.release();
    }
    this.#metrics?.reconciled(this.#name, outcome, (this.#clock.now() - started) / 1000);
  }
}

/** `start` was called on a controller that is already running. */
export class ControllerRunningError extends RoundhouseError {
  readonly reason = 'ControllerRunning';

  constructor(readonly controller: string) {
    super(`controller ${controller} is already running`);
  }
}
