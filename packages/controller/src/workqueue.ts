import { type Clock, systemClock } from './clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';
import { RoundRobin } from './round-robin.js';

/** What a workqueue reports; `ControllerMetrics` implements it with Prometheus metrics. */
export interface QueueMetrics {
  /** A key entered the queue (adds of a key already waiting are not counted). */
  added(queue: string): void;
  depth(queue: string, depth: number): void;
  /** How long a key waited between being added and being handed to a worker. */
  waited(queue: string, seconds: number): void;
  /**
   * A key was put back to wait, with backoff or for a `requeueAfter`: every delayed add, as
   * controller-runtime counts `workqueue_retries_total`.
   */
  retried(queue: string): void;
  /** A worker finished a key (`done`) after processing it for `seconds`. */
  worked(queue: string, seconds: number): void;
  /**
   * Called once per queue: `running()` gives, for each key handed out and not yet done, how
   * many seconds it has been processing. Read when metrics are scraped, so a stuck worker shows
   * without a timer polling the queue.
   */
  processing(queue: string, running: () => number[]): void;
}

export interface WorkQueueOptions<K> {
  readonly rateLimiter?: RateLimiter<K> | undefined;
  readonly metrics?: QueueMetrics | undefined;
  /** The queue's name in metrics. */
  readonly name?: string | undefined;
  readonly clock?: Clock | undefined;
  /**
   * Within one priority, keys are handed out one group at a time in turn, each group's in the
   * order they were added, so one group's backlog does not delay another's keys. Without it
   * every key is in one group: a single FIFO.
   */
  readonly groupOf?: ((key: K) => string) | undefined;
}

/** A key handed out by `getWithPriority`, with the priority it was queued at. */
export interface QueuedKey<K> {
  readonly key: K;
  readonly priority: number;
}

export interface AddOptions {
  /**
   * Keys of a higher priority are handed out first; within one priority, groups take turns
   * (see `groupOf`), each in the order its keys were added. Adding a queued key with a higher priority moves it up. Default 0.
   */
  readonly priority?: number | undefined;
}

/**
 * client-go's rate-limited workqueue, with controller-runtime's priorities. A key is queued at
 * most once however often it is added; a key handed out by `get` is not handed out again until
 * `done`, and if it was added again meanwhile it is queued once more at `done`, so one key is
 * never processed concurrently and no change is missed. Within a priority, the groups of
 * `groupOf` take turns; a key queued again (re-added after `get`, or requeued at `done`) goes
 * last in its group, like any new key.
 */
export class WorkQueue<K = string> {
  /**
   * Keys ready for a worker, per priority, by group. A key moved to a higher priority leaves a
   * stale entry behind, skipped when reached (its group loses that turn: the key it stood for
   * was handed out ahead of every group): `#queued` says where each key's live entry is.
   */
  readonly #queues = new Map<number, RoundRobin<QueuedKey<K>>>();
  /** The priorities in `#queues`, highest first. */
  #priorities: number[] = [];
  /** Each key ready for a worker, with its live entry. */
  readonly #queued = new Map<K, QueuedKey<K>>();
  /** Keys that need processing: queued, or added again while being processed. */
  readonly #dirty = new Set<K>();
  /** The highest priority a key was added with while it was processing, for its requeue. */
  readonly #requeuePriority = new Map<K, number>();
  readonly #processing = new Set<K>();
  /**
   * Delayed adds; a key keeps only its earliest pending time, and the highest priority any of
   * them asked for, as controller-runtime's priority queue.
   */
  readonly #delayed = new Map<
    K,
    { readonly at: number; readonly priority: number; readonly cancel: () => void }
  >();
  readonly #addedAt = new Map<K, number>();
  /** When each key handed out by `get` started processing. */
  readonly #startedAt = new Map<K, number>();
  readonly #getters: ((next: QueuedKey<K> | undefined) => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];
  readonly #rateLimiter: RateLimiter<K>;
  readonly #metrics: QueueMetrics | undefined;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #groupOf: ((key: K) => string) | undefined;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.#metrics = options.metrics;
    this.#name = options.name ?? 'workqueue';
    this.#groupOf = options.groupOf;
    this.#metrics?.processing(this.#name, () => {
      const now = this.#clock.now();
      return [...this.#startedAt.values()].map((at) => (now - at) / 1000);
    });
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: K, options: AddOptions = {}): void {
    if (this.#shuttingDown) return;
    const priority = options.priority ?? 0;
    if (this.#dirty.has(key)) {
      const queued = this.#queued.get(key);
      if (queued !== undefined && priority > queued.priority) this.#enqueue(key, priority);
      if (this.#processing.has(key)) this.#raiseRequeuePriority(key, priority);
      return;
    }
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    this.#metrics?.added(this.#name);
    if (this.#processing.has(key)) {
      this.#raiseRequeuePriority(key, priority);
      return;
    }
    this.#enqueue(key, priority);
  }

  #raiseRequeuePriority(key: K, priority: number): void {
    if (priority > (this.#requeuePriority.get(key) ?? Number.NEGATIVE_INFINITY))
      this.#requeuePriority.set(key, priority);
  }

  /**
   * Adds `key` after `ms`; a later call with an earlier time wins, a later time is ignored, and
   * the key is added with the highest priority any of them gave.
   */
  addAfter(key: K, ms: number, options: AddOptions = {}): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key, options);
      return;
    }
    this.#metrics?.retried(this.#name);
    const at = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    const priority = Math.max(options.priority ?? 0, pending?.priority ?? Number.NEGATIVE_INFINITY);
    if (pending && pending.at <= at) {
      this.#delayed.set(key, { ...pending, priority });
      return;
    }
    pending?.cancel();
    const cancel = this.#clock.setTimer(() => {
      const due = this.#delayed.get(key);
      this.#delayed.delete(key);
      this.add(key, { priority: due?.priority });
    }, ms);
    this.#delayed.set(key, { at, priority, cancel });
  }

  /**
   * Adds `key` after the rate limiter's delay for it (its backoff), or after `atLeastMs` when
   * that is longer: a server that said when to come back (Retry-After) is not asked sooner.
   */
  addRateLimited(key: K, atLeastMs = 0, options: AddOptions = {}): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, Math.max(this.#rateLimiter.when(key), atLeastMs), options);
  }

  /** Resets `key`'s backoff; call it when the key was processed successfully. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.retries(key);
  }

  /** The next key, waiting for one if needed; `undefined` once the queue is shut down. */
  async get(): Promise<K | undefined> {
    return (await this.getWithPriority())?.key;
  }

  /**
   * `get` with the priority the key was queued at, for requeueing it at that priority (after a
   * failure, or `requeueAfter`), as controller-runtime's `GetWithPriority`.
   */
  getWithPriority(): Promise<QueuedKey<K> | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.#queued.size > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` as processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    const startedAt = this.#startedAt.get(key);
    if (startedAt !== undefined) {
      this.#startedAt.delete(key);
      this.#metrics?.worked(this.#name, (this.#clock.now() - startedAt) / 1000);
    }
    this.#processing.delete(key);
    const priority = this.#requeuePriority.get(key) ?? 0;
    this.#requeuePriority.delete(key);
    if (!this.#shuttingDown && this.#dirty.has(key)) this.#enqueue(key, priority);
    if (this.#shuttingDown && this.#processing.size === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  /** Keys ready for a worker. */
  len(): number {
    return this.#queued.size;
  }

  /**
   * Stops the queue: adds are ignored, waiting `get` calls return `undefined`, delayed adds are
   * dropped. Keys still queued are not processed; a restarted controller lists every object
   * again, so nothing is lost.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { cancel } of this.#delayed.values()) cancel();
    this.#delayed.clear();
    this.#queues.clear();
    this.#priorities = [];
    this.#queued.clear();
    this.#requeuePriority.clear();
    this.#dirty.clear();
    this.#addedAt.clear();
    this.#metrics?.depth(this.#name, 0);
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
  }

  /** Shuts down, then resolves once every key handed out has been marked `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #enqueue(key: K, priority: number): void {
    let level = this.#queues.get(priority);
    if (!level) {
      level = new RoundRobin<QueuedKey<K>>();
      this.#queues.set(priority, level);
      this.#priorities = [...this.#queues.keys()].sort((a, b) => b - a);
    }
    const entry: QueuedKey<K> = { key, priority };
    level.push(this.#groupOf?.(key) ?? '', entry);
    this.#queued.set(key, entry);
    this.#metrics?.depth(this.#name, this.#queued.size);
    while (this.#getters.length > 0 && this.#queued.size > 0) {
      (this.#getters.shift() as (next: QueuedKey<K>) => void)(this.#take());
    }
  }

  /** The highest priority's next key, by groups' turns; call only when a key is queued. */
  #next(): QueuedKey<K> {
    for (const priority of this.#priorities) {
      const level = this.#queues.get(priority) as RoundRobin<QueuedKey<K>>;
      while (level.size > 0) {
        const entry = level.shift();
        if (this.#queued.get(entry.key) === entry) return entry;
      }
    }
    throw new Error('workqueue: no key queued');
  }

  #take(): QueuedKey<K> {
    const next = this.#next();
    const key = next.key;
    this.#queued.delete(key);
    this.#dirty.delete(key);
    this.#processing.add(key);
    const now = this.#clock.now();
    this.#startedAt.set(key, now);
    const addedAt = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (addedAt !== undefined) this.#metrics?.waited(this.#name, (now - addedAt) / 1000);
    this.#metrics?.depth(this.#name, this.#queued.size);
    return next;
  }
}
