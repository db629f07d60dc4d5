/**
 * The informer: list, watch, relist on expiry, and the store and handlers they feed. Past 350
 * lines because the loop's states (listing, watching, backing off, stopping) share one
 * resourceVersion, one store and one stop signal; the store, the watch stream and the event
 * and object rules already live in files of their own.
 */
import {
  AbortedError,
  type Logger,
  maxObjectBytes,
  noopLogger,
  withoutRequestGate,
} from '@roundhouse/core';
import {
  apiVersionOf,
  type ClusterConfig,
  classifyKubernetesError,
  isKubernetesError,
  KubeClient,
  type KubeObject,
  type KubernetesApiError,
  type ResourceOf,
  type WatchEvent,
  type WatchOutcome,
} from '@roundhouse/kube';
import { isOlder, isSameVersion, withoutManagedFields } from './cached-object.js';
import { delay } from './delay.js';
import { describeError } from './describe-error.js';
import { type Delta, type IndexFunction, ObjectStore } from './object-store.js';
import { retryAfterMs } from './retry-after.js';
import { BookmarkSchema, isCacheable } from './watch-event.js';
import { withFields } from './with-fields.js';

export type EventType = 'add' | 'update' | 'delete';

/** An add or update handler: `old` is the state an update replaced. */
export type InformerHandler<T> = (obj: T, old?: T) => void;

/** How a delete handler learned of the delete. */
export interface Deletion {
  /**
   * True when no watch saw the object go: a relist (after 410 Gone, an ERROR event, a refused
   * watch) no longer held it, or its name now belongs to a new object. The object handed over is
   * then the last state the cache held, and it may have changed before it was deleted, as
   * client-go's DeletedFinalStateUnknown says. Its identity, labels and owners are still the
   * ones to map from; its status is not the state it ended in.
   */
  readonly finalStateUnknown: boolean;
}

/** What each event's handlers are called with. */
export interface InformerHandlers<T> {
  readonly add: (obj: T) => void;
  readonly update: (obj: T, old: T) => void;
  readonly delete: (obj: T, deletion: Deletion) => void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Watch one namespace; default every namespace (or a cluster-scoped kind). */
  readonly namespace?: string | undefined;
  /** Cache only matching objects, to keep memory small. */
  readonly labelSelector?: string | undefined;
  /**
   * Cache only objects whose fields match (e.g. `status.phase!=Succeeded`), so the server sends
   * no events of the others; an object that stops matching is removed as if deleted.
   */
  readonly fieldSelector?: string | undefined;
  /**
   * A watch that delivers no event and no bookmark for this long is presumed dead and
   * restarted. On a quiet resource kube-apiserver 1.36 sent the first bookmark of a watch after
   * about 120 s and then one a minute, so keep it well above 120 s. Default 240 s.
   */
  readonly stallTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Client for the lists and watches; default a KubeClient on the same config. */
  readonly client?: KubeClient | undefined;
  /**
   * Objects per list page. Default `defaultPageSize`: as many of the largest objects the API
   * server stores as fit `listPageBytes`. More suits a kind whose objects are known to be small.
   */
  readonly pageSize?: number | undefined;
  /**
   * Trims each object before it is cached, as controller-runtime's cache transforms do.
   * Default: drops `metadata.managedFields`, which controllers never read and which is often
   * the largest part of an object.
   */
  readonly transform?: ((obj: T) => T) | undefined;
}

/** How one watch connection ended, after how many events and how long open. */
type WatchEnd = { readonly received: number; readonly openMs: number } & (
  | { readonly end: 'stopped' | 'closed' | 'gone' }
  | { readonly end: 'failed'; readonly error: KubernetesApiError }
);

/**
 * What one page of a list may hold as text. The API server's `limit` counts objects, not
 * bytes, and a page is held whole as text and then parsed before its objects are trimmed: 500
 * objects at the object limit (client-go's page) would be 750 MiB, more than this client reads
 * of one answer (`listAnswerCeiling`), so such a list could never complete, and a restart's
 * relist of maximal executions would hold hundreds of MiB at once.
 */
export const listPageBytes = 16 * 1024 * 1024;

/**
 * Objects per list page unless an informer says otherwise: a page of objects as large as the
 * API server stores (`maxObjectBytes`) stays within `listPageBytes`, whatever the kind.
 */
export const defaultPageSize = Math.max(1, Math.floor(listPageBytes / maxObjectBytes));

const retryBaseMs = 500;
const retryMaxMs = 30_000;
/**
 * A watch that stays open at least this long before it ends (closed by the server, or stalled)
 * proves the cycle works even when it delivered nothing: a quiet resource on a server that
 * sends no bookmarks has only such watches. A shorter empty one counts as a failure, so a
 * server that ends every watch at once is not asked in a busy loop. client-go's reflector draws
 * the same line ("very short watch").
 */
const minQuietWatchMs = 1_000;

/**
 * A cache of one kind of object kept current by list and watch, with handlers for adds,
 * updates and deletes. Unlike client-node's informer it never stops on an error: it lists,
 * watches from the list's resourceVersion with bookmarks, relists on 410 Gone, restarts a
 * watch that went silent, and retries everything else with backoff until stopped.
 *
 * Objects handed out are the cache's own: treat them as read-only.
 */
export class Informer<T extends KubeObject> {
  readonly #type: ResourceOf<T>;
  readonly #namespace: string | undefined;
  readonly #labelSelector: string | undefined;
  readonly #fieldSelector: string | undefined;
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #pageSize: number;
  readonly #stallTimeoutMs: number;
  readonly #transform: (obj: T) => T;
  readonly #store = new ObjectStore<T>();
  readonly #handlers: { [E in EventType]: InformerHandlers<T>[E][] } = {
    add: [],
    update: [],
    delete: [],
  };
  #synced = false;
  #resourceVersion = '';
  #run: { stop: AbortController; started: Promise<void>; loop: Promise<void> } | undefined;

  constructor(kubeConfig: ClusterConfig, type: ResourceOf<T>, options: InformerOptions<T> = {}) {
    this.#type = type;
    this.#namespace = options.namespace;
    this.#labelSelector = options.labelSelector;
    this.#fieldSelector = options.fieldSelector;
    this.#client = options.client ?? new KubeClient(kubeConfig);
    this.#pageSize = options.pageSize ?? defaultPageSize;
    this.#logger = withFields(options.logger ?? noopLogger, {
      informer: type.kind,
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 240_000;
    this.#transform = options.transform ?? withoutManagedFields;
  }

  /**
   * Registers a handler; an `add` handler registered after sync first sees every cached object.
   * A `delete` handler is told whether the object is the state it was deleted in (Deletion).
   */
  on<E extends EventType>(event: E, handler: InformerHandlers<T>[E]): this {
    (this.#handlers[event] as InformerHandlers<T>[E][]).push(handler);
    if (event === 'add' && this.#synced) {
      const add = handler as InformerHandlers<T>['add'];
      for (const obj of this.#store.list()) this.#call('add', obj, () => add(obj));
    }
    return this;
  }

  /**
   * Starts listing and watching; resolves once the first list is in the cache. Rejects with
   * AbortedError if `stop` comes first. Calling it again while running returns the same promise.
   */
  start(): Promise<void> {
    if (this.#run) return this.#run.started;
    const stop = new AbortController();
    let onSynced!: () => void;
    let onStopped!: (error: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      onSynced = resolve;
      onStopped = reject;
    });
    // The cache outlives whatever first asked for it (a reconcile's first read of a kind), so
    // its lists and watches answer to no gate that work ran under.
    const loop = withoutRequestGate(() => this.#loop(stop.signal, onSynced)).finally(() =>
      onStopped(new AbortedError(`start ${this.#type.kind} informer`)),
    );
    // A caller that does not await start() must not crash the process when stop() rejects it.
    started.catch(() => {});
    this.#run = { stop, started, loop };
    return started;
  }

  /** Stops watching; the cache keeps its last contents, and `start` resumes with a relist. */
  async stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.stop.abort();
    await run.loop;
    if (this.#run === run) this.#run = undefined;
    this.#synced = false;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the cache is current to: of the last list, event or bookmark applied. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(namespace, name);
  }

  list(namespace?: string): T[] {
    return this.#store.list(namespace);
  }
  /**
   * Indexes cached objects under the values `fn` returns (e.g. a spec field), so a lookup by
   * that value reads only the matching objects instead of scanning the cache.
   */
  addIndex(name: string, fn: IndexFunction<T>): this {
    this.#store.addIndex(name, fn);
    return this;
  }

  /** The cached objects indexed under `value`; read-only, like everything the cache hands out. */
  byIndex(name: string, value: string): T[] {
    return this.#store.byIndex(name, value);
  }

  /**
   * A list answered 404 means the API server does not serve the kind at all, most often a CRD
   * not installed yet: saying so spares the reader guessing from a bare 404 on every retry.
   */
  #listFailure(error: unknown): string {
    if (!isKubernetesError(error, 'NotFound')) return 'list failed; retrying';
    const { group, plural } = this.#type;
    const name = group ? `${plural}.${group}` : plural;
    return `list failed: the API server does not serve ${name} (${apiVersionOf(this.#type)}); is its CustomResourceDefinition installed? retrying`;
  }

  async #loop(signal: AbortSignal, onSynced: () => void): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.#relist(signal);
        } catch (error) {
          if (signal.aborted) return;
          failures += 1;
          this.#logger.warn(describeError(error), this.#listFailure(error));
          await delay(backoff(failures, error), signal);
          continue;
        }
        // Not a reset of `failures`: only a watch that delivers proves the cycle works, and a
        // list that succeeds before every failing watch must not keep the backoff at its start.
        needList = false;
        if (!this.#synced) {
          this.#synced = true;
          onSynced();
        }
      }
      const result = await this.#watchOnce(signal);
      if (result.end === 'stopped') return;
      // Ended by the stall timeout, not by a quicker connect timeout of the transport; half of
      // it, since the stall timer runs on the event loop's cached clock, a little behind this one.
      const stalled =
        result.end === 'failed' &&
        result.error.reason === 'Timeout' &&
        result.error.statusCode === undefined &&
        result.openMs >= this.#stallTimeoutMs / 2;
      const heldOpen = (result.end === 'closed' || stalled) && result.openMs >= minQuietWatchMs;
      if (result.received > 0 || heldOpen) failures = 0;
      if (result.end === 'gone') {
        this.#logger.info({ resourceVersion: this.#resourceVersion }, 'watch expired; relisting');
        needList = true;
        // A watch refused as expired straight after its list would otherwise relist the whole
        // collection in a busy loop; client-go backs off before every relist too.
        if (result.received === 0) {
          failures += 1;
          await delay(backoff(failures), signal);
        }
        continue;
      }
      if (result.end === 'failed') {
        // As client-go's reflector: an error the server answered with (a refused watch, an
        // ERROR event) may mean it can no longer serve this resourceVersion, and resuming from
        // it could fail for ever while the cache looks synced; the next cycle lists again. A
        // 429 asks only to come back later; a broken or stalled connection resumes.
        needList = relistsAfter(result.error);
        this.#logger.warn(
          describeError(result.error),
          stalled
            ? `no event or bookmark for ${this.#stallTimeoutMs} ms; restarting watch`
            : `watch failed; ${needList ? 'relisting' : 'restarting'}`,
        );
      }
      // A watch that ends at once without delivering anything must not turn into a busy loop.
      if (!heldOpen && (result.end === 'failed' || result.received === 0)) {
        failures += 1;
        await delay(backoff(failures, result.end === 'failed' ? result.error : undefined), signal);
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const apiVersion = apiVersionOf(this.#type);
    const { kind } = this.#type;
    const { items, resourceVersion } = await this.#client.list<T>(this.#type, this.#namespace, {
      labelSelector: this.#labelSelector,
      fieldSelector: this.#fieldSelector,
      limit: this.#pageSize,
      signal,
      // Trimmed page by page: a relist of many objects never holds them all whole, which would
      // leave the process that much larger long after. List items of built-in kinds come
      // without apiVersion and kind; watched objects have them.
      transform: (item) =>
        isCacheable(item) ? this.#transform({ ...item, apiVersion, kind } as T) : item,
    });
    const objects: T[] = [];
    for (const item of items) {
      if (!isCacheable(item)) {
        this.#logger.warn({ item: item.metadata?.name }, 'ignoring a listed object without name');
        continue;
      }
      // A write of this process observed while the list was on its way is newer than the
      // list's copy; taking the list's would show handlers the object going back in time.
      const cached = this.#store.get(item.metadata?.namespace, item.metadata?.name ?? '');
      objects.push(cached && isOlder(item, cached) ? cached : item);
    }
    const deltas = this.#store.replace(objects);
    this.#resourceVersion = resourceVersion;
    this.#logger.debug({ objects: objects.length, resourceVersion }, 'listed');
    this.#emit(deltas);
  }

  async #watchOnce(signal: AbortSignal): Promise<WatchEnd> {
    // Ends this one connection when an event shows the cache can no longer follow the stream.
    const abandon = new AbortController();
    const openedAt = performance.now();
    let received = 0;
    let outcome: WatchOutcome;
    const ended = <E extends object>(end: E) => ({
      ...end,
      received,
      openMs: performance.now() - openedAt,
    });
    try {
      outcome = await this.#client.watch<T>(
        this.#type,
        this.#namespace,
        (event) => {
          received += 1;
          if (!this.#apply(event)) abandon.abort();
        },
        {
          resourceVersion: this.#resourceVersion,
          labelSelector: this.#labelSelector,
          fieldSelector: this.#fieldSelector,
          // Like client-go: the server ends each watch after 5-10 minutes, so connections through
          // proxies and load balancers are renewed before anything in between gives up on them.
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          stallTimeoutMs: this.#stallTimeoutMs,
          signal: AbortSignal.any([signal, abandon.signal]),
        },
      );
    } catch (error) {
      return ended({
        end: 'failed',
        error: classifyKubernetesError(error, `watch ${this.#type.kind}`),
      } as const);
    }
    if (signal.aborted) return ended({ end: 'stopped' } as const);
    if (abandon.signal.aborted) return ended({ end: 'gone' } as const);
    if (outcome.end !== 'failed') return ended({ end: outcome.end });
    // 410: the resourceVersion is too old to resume from, whether refused or sent as an event.
    if (outcome.error.reason === 'Gone') return ended({ end: 'gone' } as const);
    return ended({ end: 'failed', error: outcome.error } as const);
  }

  /** Applies one watch event to the cache and reports it; false when the cache must relist. */
  #apply(event: WatchEvent<T>): boolean {
    if (event.type === 'BOOKMARK') {
      const bookmark = BookmarkSchema.safeParse(event.object);
      if (bookmark.success) this.#resourceVersion = bookmark.data.metadata.resourceVersion;
      return true;
    }
    if (!isCacheable(event.object)) {
      // The cache can no longer be trusted to match the server; start over from a list.
      this.#logger.warn({ type: event.type }, 'watch event without name or resourceVersion');
      return false;
    }
    const obj = this.#transform(event.object);
    this.#resourceVersion = obj.metadata?.resourceVersion as string;
    // An object this process already observed from its own write is newer than this event, or
    // this event is that write's echo: either way handlers already saw it, and waking them
    // again would cost a reconcile for nothing.
    if (event.type !== 'DELETED') {
      const cached = this.#store.get(obj.metadata?.namespace, obj.metadata?.name ?? '');
      if (isOlder(obj, cached) || isSameVersion(obj, cached)) return true;
    }
    const deltas = event.type === 'DELETED' ? this.#store.remove(obj) : this.#store.upsert(obj);
    this.#emit(deltas);
    return true;
  }

  /**
   * Caches what a write of this process returned, before its watch event arrives, so the
   * reconcile the write wakes reads its own write instead of a stale copy that would make it
   * repeat the work (read-your-writes). Ignored when the cache already holds a newer version
   * or does not hold the object (the watch adds it; an object outside the informer's label
   * selector or namespace must not enter).
   */
  observe(obj: T): void {
    const cached = this.#store.get(obj.metadata?.namespace, obj.metadata?.name ?? '');
    if (!cached || !isOlder(cached, obj)) return;
    this.#emit(this.#store.upsert(this.#transform(obj)));
  }

  #emit(deltas: readonly Delta<T>[]): void {
    for (const delta of deltas) {
      const { obj } = delta;
      if (delta.type === 'add') {
        for (const handler of this.#handlers.add) this.#call('add', obj, () => handler(obj));
      } else if (delta.type === 'update') {
        for (const handler of this.#handlers.update)
          this.#call('update', obj, () => handler(obj, delta.old));
      } else {
        const deletion: Deletion = { finalStateUnknown: delta.finalStateUnknown };
        for (const handler of this.#handlers.delete)
          this.#call('delete', obj, () => handler(obj, deletion));
      }
    }
  }

  #call(event: EventType, obj: T, call: () => void): void {
    try {
      call();
    } catch (error) {
      // One broken handler must not stop the cache or the other handlers.
      this.#logger.error(
        { event, object: obj.metadata?.name, error: describeError(error).error },
        'informer handler threw',
      );
    }
  }
}

/**
 * Exponential backoff with jitter, so many informers do not retry in step; at least as long as
 * the server that refused asked (Retry-After, as API Priority and Fairness sends with 429), up
 * to the longest backoff: a cache left blind for longer serves reconciles stale objects.
 */
function backoff(failures: number, error?: unknown): number {
  const base = Math.min(retryBaseMs * 2 ** (failures - 1), retryMaxMs);
  return Math.max(base * (1 + Math.random() / 2), Math.min(retryAfterMs(error), retryMaxMs));
}

/** Whether a failed watch needs a relist before the next one: the server refused it. */
function relistsAfter(error: KubernetesApiError): boolean {
  const code = error.statusCode;
  return code !== undefined && code >= 400 && code !== 429;
}
