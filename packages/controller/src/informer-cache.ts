import { type Logger, RoundhouseError } from '@roundhouse/core';
import type {
  ClusterConfig,
  KubeClient,
  KubeObject,
  ListOptions,
  Reader,
  RequestOptions,
  ResourceOf,
  ResourceType,
} from '@roundhouse/kube';
import { Informer } from './informer.js';
import {
  matchesLabels,
  parseLabelSelector,
  type Requirement,
  selectorImplies,
} from './label-selector.js';

export interface InformerCacheOptions {
  /** Lists and watches for every informer, and answers what the cache cannot. */
  readonly client: KubeClient;
  readonly logger?: Logger | undefined;
}

export interface InformerScope {
  /** One namespace; default every namespace (or a cluster-scoped kind). */
  readonly namespace?: string | undefined;
  /** Cache only matching objects. */
  readonly labelSelector?: string | undefined;
  /**
   * Cache only objects whose fields match; such an informer answers only lists that ask for
   * exactly this field selector (the cache cannot evaluate field selectors itself).
   */
  readonly fieldSelector?: string | undefined;
  /**
   * Trims each object before it is cached (see `InformerOptions.transform`). Every
   * `informerFor` of one type, namespace and selector shares the informer, so each must pass
   * the same function (or none): another is refused with an InformerTransformConflictError.
   */
  readonly transform?: ((obj: KubeObject) => KubeObject) | undefined;
  /**
   * Objects per list page (see `InformerOptions.pageSize`), for a kind whose objects are known
   * to be small; the first `informerFor` of a type, namespace and selector decides it.
   */
  readonly pageSize?: number | undefined;
}

interface Entry {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  /** The informer's own selector, parsed; `undefined` when it is not equality-based. */
  readonly requirements: readonly Requirement[] | undefined;
  readonly fieldSelector: string | undefined;
  readonly transform: InformerScope['transform'];
  readonly informer: Informer<KubeObject>;
}

/**
 * `informerFor` asked for an informer that exists with another transform (or none where one
 * was given, or one where none was): the informer is shared, so its objects would not be what
 * this caller trims them to, and it would read fields that are not there.
 */
export class InformerTransformConflictError extends RoundhouseError {
  readonly reason = 'InformerTransformConflict';

  constructor(
    readonly resource: ResourceType,
    readonly namespace: string | undefined,
    readonly labelSelector: string | undefined,
    readonly fieldSelector: string | undefined,
  ) {
    const quoted = (value: string | undefined) => (value === undefined ? 'none' : `"${value}"`);
    super(
      `the ${resource.kind} informer of ${namespace === undefined ? 'every namespace' : `namespace "${namespace}"`}, label selector ${quoted(labelSelector)} and field selector ${quoted(fieldSelector)} is registered already with another transform: pass the same transform function for every registration of this scope (one function, not a closure made per call), or narrow one of them with its own selector`,
    );
  }
}

/**
 * A `Reader` served by informers: reads that a synced informer covers cost no request, all
 * others go to the client. Register what to cache with `informerFor` (a controller hands the
 * same informers to its watches), then `start`.
 *
 * Cached reads may lag the API server by a watch event, as in any informer-based controller;
 * the objects returned are the cache's own, so treat them as read-only.
 */
export class InformerCache implements Reader {
  readonly #kubeConfig: ClusterConfig;
  readonly #client: KubeClient;
  readonly #logger: Logger | undefined;
  readonly #entries = new Map<string, Entry>();
  #started = false;

  constructor(kubeConfig: ClusterConfig, options: InformerCacheOptions) {
    this.#kubeConfig = kubeConfig;
    this.#client = options.client;
    this.#logger = options.logger;
  }

  /**
   * The informer for this type, namespace and selector, created on first use. One registered
   * after `start` starts at once; until it has synced, reads it would cover go to the client.
   * Throws InformerTransformConflictError when the informer exists with another transform.
   */
  informerFor<T extends KubeObject>(type: ResourceOf<T>, scope: InformerScope = {}): Informer<T> {
    const namespace = type.namespaced ? scope.namespace : undefined;
    const labelSelector = scope.labelSelector?.trim() || undefined;
    const fieldSelector = normalizeFieldSelector(scope.fieldSelector);
    const key = [
      type.group,
      type.version,
      type.plural,
      namespace ?? '',
      labelSelector ?? '',
      fieldSelector ?? '',
    ].join('|');
    let entry = this.#entries.get(key);
    if (!entry) {
      const informer = new Informer<KubeObject>(this.#kubeConfig, type, {
        client: this.#client,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        ...(fieldSelector !== undefined ? { fieldSelector } : {}),
        ...(scope.transform ? { transform: scope.transform } : {}),
        ...(scope.pageSize !== undefined ? { pageSize: scope.pageSize } : {}),
        ...(this.#logger ? { logger: this.#logger } : {}),
      });
      entry = {
        type,
        namespace,
        requirements: parseLabelSelector(labelSelector),
        fieldSelector,
        transform: scope.transform,
        informer,
      };
      this.#entries.set(key, entry);
      if (this.#started) void informer.start();
    } else if (entry.transform !== scope.transform) {
      throw new InformerTransformConflictError(type, namespace, labelSelector, fieldSelector);
    }
    return entry.informer as unknown as Informer<T>;
  }

  /** Starts every informer; resolves once all have synced. */
  async start(): Promise<void> {
    this.#started = true;
    await Promise.all([...this.#entries.values()].map((entry) => entry.informer.start()));
  }

  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#entries.values()].map((entry) => entry.informer.stop()));
  }

  /**
   * From the cache when a synced informer covering the namespace holds the object. A miss is
   * asked of the API server, because absence from the cache does not prove absence: the cache
   * learns of an object a watch event after it was created (a reconciler that reads back what it
   * just created would otherwise create it again), and an informer with a label selector never
   * holds the objects outside it.
   */
  async get<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
    options: RequestOptions = {},
  ): Promise<T | null> {
    for (const entry of this.#covering(type, namespace)) {
      const cached = entry.informer.get(type.namespaced ? namespace : undefined, name);
      if (cached) return cached as T;
    }
    return this.#client.get<T>(type, namespace, name, options);
  }

  /**
   * From the cache when a synced informer covers the namespace and holds everything the
   * selector asks for: it has no selector, or one the requested selector implies, and it was
   * started with the very field selector asked for (or none when none is asked for). Other field
   * selectors and label selectors that are not equality-based go to the API server.
   */
  async list<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const requested = parseLabelSelector(options.labelSelector);
    const fieldSelector = normalizeFieldSelector(options.fieldSelector);
    const entry =
      requested &&
      this.#covering(type, namespace).find(
        (candidate) =>
          candidate.fieldSelector === fieldSelector &&
          candidate.requirements &&
          selectorImplies(requested, candidate.requirements),
      );
    if (!requested || !entry) return this.#client.list<T>(type, namespace, options);
    const items = entry.informer
      .list(type.namespaced ? namespace : undefined)
      .filter((obj) => matchesLabels(requested, obj.metadata?.labels))
      // In the API server's order, so a caller cannot tell the cache from the client by it.
      .sort(compareKeys);
    return { items: items as T[], resourceVersion: entry.informer.resourceVersion };
  }

  /** Synced informers of `type` whose cache includes `namespace`. */
  #covering(type: ResourceType, namespace: string | undefined): Entry[] {
    return [...this.#entries.values()].filter(
      (entry) =>
        sameResource(entry.type, type) &&
        entry.informer.hasSynced() &&
        (entry.namespace === undefined || entry.namespace === namespace),
    );
  }
}

/** Terms in a canonical order, so two spellings of one field selector share an informer. */
function normalizeFieldSelector(selector: string | undefined): string | undefined {
  const terms = (selector ?? '')
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '');
  return terms.length > 0 ? terms.sort().join(',') : undefined;
}

function sameResource(a: ResourceType, b: ResourceType): boolean {
  return a.group === b.group && a.version === b.version && a.plural === b.plural;
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const key = (obj: KubeObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  const left = key(a);
  const right = key(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
