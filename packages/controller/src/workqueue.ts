import { type Clock, systemClock } from './clock.js';
import { Fifo } from './fifo.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/** What a workqueue reports; `ControllerMetrics` implements it with Prometheus metrics. */
export interface QueueMetrics {
  /** A key entered the queue (adds of a key already waiting are not counted). */
  added(queue: string): void;
  depth(queue: string, depth: number): void;
  /** How long a key waited between being added and being handed to a worker. */
  waited(queue: string, seconds: number): void;
  /** A key was put back with a rate-limited delay. */
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
  readonly rateLimiter?: RateLimiter<K>;
  readonly metrics?: QueueMetrics;
  /** The queue's name in metrics. */
  readonly name?: string;
  readonly clock?: Clock;
}

/**
 * client-go's rate-limited workqueue. A key is queued at most once however often it is added;
 * a key handed out by `get` is not handed out again until `done`, and if it was added again
 * meanwhile it is queued once more at `done`, so one key is never processed concurrently and
 * no change is missed.
 */
export class WorkQueue<K = string> {
  /**
   * Keys ready for a worker, in order. Never holds a key twice: a key is pushed only when it
   * becomes dirty while not processing, or when its processing ends while dirty.
   */
  readonly #queue = new Fifo<K>();
  /** Keys that need processing: queued, or added again while being processed. */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  /** Delayed adds; a key keeps only its earliest pending time. */
  readonly #delayed = new Map<K, { readonly at: number; readonly cancel: () => void }>();
  readonly #addedAt = new Map<K, number>();
  /** When each key handed out by `get` started processing. */
  readonly #startedAt = new Map<K, number>();
  readonly #getters: ((key: K | undefined) => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];
  readonly #rateLimiter: RateLimiter<K>;
  readonly #metrics: QueueMetrics | undefined;
  readonly #name: string;
  readonly #clock: Clock;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.#metrics = options.metrics;
    this.#name = options.name ?? 'workqueue';
    this.#metrics?.processing(this.#name, () => {
      const now = this.#clock.now();
      return [...this.#startedAt.values()].map((at) => (now - at) / 1000);
    });
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    this.#metrics?.added(this.#name);
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Adds `key` after `ms`; a later call with an earlier time wins, a later time is ignored. */
  addAfter(key: K, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.#clock.setTimer(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, cancel });
  }

  /** Adds `key` after the rate limiter's delay for it (its backoff). */
  addRateLimited(key: K): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried(this.#name);
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets `key`'s backoff; call it when the key was processed successfully. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.retries(key);
  }

  /** The next key, waiting for one if needed; `undefined` once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.#queue.size > 0) return Promise.resolve(this.#take());
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
    if (!this.#shuttingDown && this.#dirty.has(key)) this.#enqueue(key);
    if (this.#shuttingDown && this.#processing.size === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  /** Keys ready for a worker. */
  len(): number {
    return this.#queue.size;
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
    this.#queue.clear();
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

  #enqueue(key: K): void {
    this.#queue.push(key);
    this.#metrics?.depth(this.#name, this.#queue.size);
    while (this.#getters.length > 0 && this.#queue.size > 0) {
      (this.#getters.shift() as (key: K) => void)(this.#take());
    }
  }

  #take(): K {
    const key = this.#queue.shift();
    this.#dirty.delete(key);
    this.#processing.add(key);
    const now = this.#clock.now();
    this.#startedAt.set(key, now);
    const addedAt = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (addedAt !== undefined) this.#metrics?.waited(this.#name, (now - addedAt) / 1000);
    this.#metrics?.depth(this.#name, this.#queue.size);
    return key;
  }
}
