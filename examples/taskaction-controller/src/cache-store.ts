import type { ReservationSightings } from '@roundhouse/controller';
import {
  type CacheLookup,
  judgeReservation,
  type Lease,
  LeaseSchema,
  reservationSpec,
} from '@roundhouse/controller';
import {
  isKubernetesError,
  type KubeClient,
  type KubeObject,
  KubernetesApiError,
  type Reader,
  resources,
} from '@roundhouse/kube';
import {
  type CachePolicy,
  cachedOutputUri,
  cacheEntryConfigMap,
  cacheLabel,
  cacheNamespaceLabel,
  cacheObjectName,
  type NamespaceNow,
  type PopulatedBy,
  reservationLease,
} from './cache.js';
import { entriesToEvict } from './cache-bound.js';
import { reservationFactsOf, runningAttemptOf } from './reservation-facts.js';

export interface CacheStoreOptions {
  readonly client: Pick<KubeClient, 'get' | 'create' | 'replace' | 'delete'>;
  /**
   * The one namespace every entry and reservation lives in, whatever the action's: the
   * execution namespace, the controller's own. An author who may write ConfigMaps and Leases
   * in their namespace cannot write the cache there, and the controller needs no rights in it.
   */
  readonly namespace: string;
  /**
   * The reservations' heartbeat, the controller's requeue period: a reservation taken here lasts
   * three, and `ReservationRenewer` renews it once a heartbeat while its holder is under way.
   */
  readonly heartbeatMs: number;
  /**
   * When this controller first saw each reservation Lease as it stands: a Lease is judged
   * expired by that, on the controller's own clock, never by a `renewTime` another replica wrote.
   */
  readonly sightings: ReservationSightings;
  /**
   * The actions that serialize on a Lease, by its name (the actions informer's
   * `reservationIndex`): one under way keeps its reservation however long ago it was renewed.
   */
  readonly holdersOf: (leaseName: string) => readonly KubeObject[];
  /**
   * The most entries one action namespace keeps (`--max-cache-entries-per-namespace`), counted
   * in `reader`: the controller's informer of the entries, so populating lists nothing on the
   * API server. With a bound, an entry records the uid of its action's namespace (read live), and
   * serves only that namespace, not a later one of its name (`cachedOutputUri`). Without it, no
   * bound, and entries are judged by name alone.
   */
  readonly bound?: { readonly reader: Pick<Reader, 'list'>; readonly max: number } | undefined;
}

/** What `populate` did: stored the entry (or found one), or was refused with `error`. */
export type PopulateResult =
  | { readonly populated: true }
  | { readonly populated: false; readonly error: KubernetesApiError };

type Request = { readonly now: Date; readonly signal?: AbortSignal | undefined };

/**
 * The action cache as Kubernetes objects in the cache's namespace: a ConfigMap per entry and,
 * for serialized keys, a Lease per reservation, both named by `cacheObjectName`. Every decision
 * is made by the pure functions it calls; this only reads and writes, each write conditional
 * (create, or replace/delete at the resourceVersion read), so two actions never both hold a
 * reservation.
 */
export class CacheStore {
  readonly #o: CacheStoreOptions;

  constructor(options: CacheStoreOptions) {
    this.#o = options;
  }

  /** The entry, and for a serialized key the reservation as it stands (with its lease). */
  async lookup(
    policy: CachePolicy,
    request: Request,
  ): Promise<{ lookup: CacheLookup; lease: Lease | null }> {
    const { namespace } = this.#o;
    const name = cacheObjectName(policy.identity);
    const opts = { signal: request.signal };
    const configMap = await this.#o.client.get<KubeObject>(
      resources.configMaps,
      namespace,
      name,
      opts,
    );
    const current = configMap ? await this.#namespaceNow(policy, request) : undefined;
    const outputUri = cachedOutputUri(configMap, policy.identity, current);
    if (outputUri !== undefined || !policy.serializable) {
      return { lookup: { outputUri, reservation: undefined }, lease: null };
    }
    const { lease, reservation } = await this.#readReservation(policy, request);
    return { lookup: { outputUri, reservation }, lease };
  }

  /**
   * Takes or renews the reservation, conditionally on the lease as `lookup` read it. False when
   * another write got there first: look again.
   */
  async reserve(policy: CachePolicy, lease: Lease | null, request: Request): Promise<boolean> {
    const spec = reservationSpec(lease?.spec, policy.owner, request.now, this.#o.heartbeatMs);
    const { namespace } = this.#o;
    const opts = { signal: request.signal };
    try {
      if (lease) {
        const name = cacheObjectName(policy.identity);
        await this.#o.client.replace(resources.leases, namespace, name, { ...lease, spec }, opts);
      } else {
        await this.#o.client.create(
          resources.leases,
          namespace,
          reservationLease(namespace, policy.identity, spec),
          opts,
        );
      }
      return true;
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') || isKubernetesError(error, 'AlreadyExists')) {
        return false;
      }
      throw error;
    }
  }

  /**
   * Stores the outputs of a successful action. An entry already there (another action with the
   * same key succeeded first) is kept: the cache is populated either way, as in Flyte. Best
   * effort: the cache's namespace is shared by every tenant, so a write refused there (its
   * ConfigMap quota filled by another namespace's entries, say) must not keep the action from
   * completing; the refusal is returned, for the action's status and an Event. A cancelled
   * request is thrown: the reconcile is over.
   */
  async populate(
    policy: CachePolicy,
    outputUri: string,
    populatedBy: PopulatedBy,
    request: Request,
  ): Promise<PopulateResult> {
    const { namespace } = this.#o;
    try {
      const current = await this.#namespaceNow(policy, request);
      const configMap = cacheEntryConfigMap(namespace, policy.identity, outputUri, {
        ...populatedBy,
        namespaceUid: current?.uid,
      });
      if (await this.#makeRoom(policy, request)) return { populated: true };
      await this.#o.client.create(resources.configMaps, namespace, configMap, {
        signal: request.signal,
      });
    } catch (error) {
      if (isKubernetesError(error, 'AlreadyExists')) return { populated: true };
      if (request.signal?.aborted || !(error instanceof KubernetesApiError)) throw error;
      return { populated: false, error };
    }
    return { populated: true };
  }

  /**
   * Deletes the namespace's oldest entries until one more keeps it within the bound; true when
   * its entry for this key is there already. Counted from the informer, which may lag a write
   * or two: concurrent populates of one namespace may overshoot the bound by as many, and the
   * next populate evicts them. Each delete is conditional on the uid read, so an entry
   * re-created meanwhile is left alone.
   */
  async #makeRoom(policy: CachePolicy, request: Request): Promise<boolean> {
    const { bound, namespace } = this.#o;
    if (!bound) return false;
    const { items } = await bound.reader.list<KubeObject>(resources.configMaps, namespace, {
      labelSelector: `${cacheLabel}=entry,${cacheNamespaceLabel}=${policy.identity.namespace}`,
      signal: request.signal,
    });
    const name = cacheObjectName(policy.identity);
    if (items.some((entry) => entry.metadata?.name === name)) return true;
    for (const entry of entriesToEvict(items, policy.identity.namespace, bound.max)) {
      try {
        await this.#o.client.delete(resources.configMaps, namespace, entry.metadata?.name ?? '', {
          preconditions: { uid: entry.metadata?.uid },
          signal: request.signal,
        });
      } catch (error) {
        if (!isKubernetesError(error, 'Conflict')) throw error;
      }
    }
    return false;
  }

  /**
   * Gives up the reservation if this action holds it: deletes its lease at the resourceVersion
   * read, so a lease another action took meanwhile is left alone (a Conflict, thrown: the next
   * reconcile judges again).
   */
  async release(policy: CachePolicy, request: Request): Promise<void> {
    if (!policy.serializable) return;
    const lease = await this.#readLease(policy, request.signal);
    if (!lease || lease.spec?.holderIdentity !== policy.owner) return;
    const { resourceVersion } = lease.metadata;
    await this.#o.client.delete(
      resources.leases,
      this.#o.namespace,
      cacheObjectName(policy.identity),
      {
        preconditions: { resourceVersion },
        signal: request.signal,
      },
    );
  }

  /**
   * The action's namespace now, read from the API server rather than the informer of Namespaces:
   * one that lags a namespace deleted and created again would answer the earlier tenant's uid.
   * Read only when an entry exists or one is stored. Undefined without a bound, or unknown.
   */
  async #namespaceNow(policy: CachePolicy, request: Request): Promise<NamespaceNow | undefined> {
    if (!this.#o.bound) return undefined;
    const current = await this.#o.client.get<KubeObject>(
      resources.namespaces,
      undefined,
      policy.identity.namespace,
      { signal: request.signal },
    );
    if (!current) return undefined;
    const { uid, creationTimestamp } = current.metadata ?? {};
    return { uid, creationTimestamp };
  }

  async #readReservation(policy: CachePolicy, request: Request) {
    const lease = await this.#readLease(policy, request.signal);
    const { sightings, holdersOf, heartbeatMs } = this.#o;
    const candidates = holdersOf(cacheObjectName(policy.identity));
    const running = runningAttemptOf(candidates, policy.owner)?.metadata?.uid;
    const facts = lease
      ? { ...reservationFactsOf(sightings, lease, holdersOf), runningAttempt: running }
      : { holderUnderWay: false, unchangedForMs: 0, runningAttempt: running };
    const reservation = judgeReservation(
      lease?.spec,
      policy.owner,
      facts,
      request.now,
      heartbeatMs,
    );
    return { lease, reservation };
  }

  async #readLease(policy: CachePolicy, signal: AbortSignal | undefined): Promise<Lease | null> {
    const raw = await this.#o.client.get<KubeObject>(
      resources.leases,
      this.#o.namespace,
      cacheObjectName(policy.identity),
      { signal },
    );
    return raw && LeaseSchema.parse(raw);
  }
}
