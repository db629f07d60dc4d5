import type { ReservationSightings } from '@roundhouse/controller';
import { type Logger, noopLogger } from '@roundhouse/core';
import {
  isKubernetesError,
  type KubeClient,
  type KubeObject,
  type Reader,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { cacheLabel, cacheNamespaceLabel } from './cache.js';
import { entriesToCollect, reservationsToCollect } from './cache-collect.js';
import { reservationFactsOf } from './reservation-facts.js';

export interface CacheCollectorOptions {
  readonly client: Pick<KubeClient, 'delete'>;
  /**
   * The controller's informers of Namespaces, of the entries and of the reservation Leases. A
   * Namespace the informer does not hold is asked of the API server (`InformerCache.get`), so a
   * namespace a lagging or unsynced informer has not seen yet is never taken for gone.
   */
  readonly reader: Pick<Reader, 'get' | 'list'>;
  /** The cache's namespace: the execution namespace. */
  readonly namespace: string;
  /** The reservations' heartbeat (the requeue period), by which a Lease is judged expired. */
  readonly heartbeatMs: number;
  /**
   * When this controller first saw each Lease as it stands, by which one is judged expired (no
   * replica's `renewTime` is trusted), shared with the cache gate and the renewer.
   */
  readonly sightings: ReservationSightings;
  /**
   * The actions that serialize on a Lease, by its name (`reservationIndex`): a Lease whose holder
   * is one under way is never collected, however long ago it was renewed.
   */
  readonly holdersOf: (leaseName: string) => readonly KubeObject[];
  /**
   * Whether `holdersOf` knows every action yet (its informer has synced): until then a sweep
   * collects no Lease, as none's holder is known not to be under way.
   */
  readonly holdersKnown: () => boolean;
  /** Namespaces swept at once; default `defaultSweepConcurrency`. */
  readonly concurrency?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** Sweeps at once, so a start with many namespaces' entries does not flood the API server. */
export const defaultSweepConcurrency = 4;

/**
 * Deletes the cache entries of a namespace that no longer exists (see `entriesToCollect`), when
 * its Namespace is deleted or created again and when an entry of it is seen: what a crash left,
 * or a namespace deleted while no controller ran, goes at the next start. Each delete is
 * conditional on the uid read, so an entry stored again meanwhile stays. The same sweep deletes
 * the namespace's reservation Leases nobody holds any longer (see `reservationsToCollect`), each
 * at the uid and resourceVersion read, so one renewed or taken over meanwhile stays. A sweep
 * reads one namespace's entries and Leases from memory, so no reconcile lists anything. Sweeps
 * run only between `runUntil` and the abort of its signal (the controller's run, so only the
 * leader deletes).
 */
export class CacheCollector {
  readonly #o: CacheCollectorOptions;
  readonly #running = new Set<string>();
  /** Namespaces asked for while theirs ran or every slot was taken: swept once each, later. */
  readonly #pending = new Set<string>();
  /** Nothing sweeps before the first `runUntil`. */
  #signal: AbortSignal = AbortSignal.abort();

  constructor(options: CacheCollectorOptions) {
    this.#o = options;
  }

  /** Sweeps what it is asked from now until `signal` aborts, which stops the sweeps running. */
  runUntil(signal: AbortSignal): void {
    this.#signal = signal;
  }

  /**
   * Sweeps `namespace`'s entries in the background, at most `concurrency` namespaces at a time;
   * failures are logged, and retried on the next ask.
   */
  collect(namespace: string): void {
    this.#pending.add(namespace);
    this.#next();
  }

  #next(): void {
    const signal = this.#signal;
    if (signal.aborted) {
      this.#pending.clear();
      return;
    }
    const limit = this.#o.concurrency ?? defaultSweepConcurrency;
    for (const namespace of this.#pending) {
      if (this.#running.size >= limit) return;
      if (this.#running.has(namespace)) continue;
      this.#pending.delete(namespace);
      this.#running.add(namespace);
      void this.sweep(namespace, signal)
        .catch((error: unknown) => {
          if (signal.aborted) return;
          (this.#o.logger ?? noopLogger).warn(
            { namespace, error: error instanceof Error ? error.message : String(error) },
            'cache entries of a deleted namespace not collected',
          );
        })
        .finally(() => {
          this.#running.delete(namespace);
          this.#next();
        });
    }
  }

  /**
   * Deletes `namespace`'s entries if they serve an earlier or no namespace of that name, then
   * its reservation Leases nobody holds; resolves to how many objects it deleted.
   */
  async sweep(namespace: string, signal?: AbortSignal): Promise<number> {
    const entries = await this.#sweepEntries(namespace, signal);
    return entries + (await this.#sweepReservations(namespace, signal));
  }

  /**
   * The entries are listed before the Namespace is read, so each was stored before that read:
   * one a namespace created again under the name stores after it found gone is not in the list
   * to delete.
   */
  async #sweepEntries(namespace: string, signal: AbortSignal | undefined): Promise<number> {
    const { reader } = this.#o;
    const { items } = await reader.list<KubeObject>(resources.configMaps, this.#o.namespace, {
      labelSelector: `${cacheLabel}=entry,${cacheNamespaceLabel}=${namespace}`,
      ...(signal ? { signal } : {}),
    });
    if (items.length === 0) return 0;
    const current = await reader.get<KubeObject>(
      resources.namespaces,
      undefined,
      namespace,
      signal ? { signal } : {},
    );
    const now = current && {
      uid: current.metadata?.uid,
      creationTimestamp: current.metadata?.creationTimestamp,
    };
    let deleted = 0;
    for (const entry of entriesToCollect(items, namespace, now)) {
      const { name, uid } = entry.metadata ?? {};
      if (await this.#deleteUnlessReplaced(resources.configMaps, name, { uid }, signal)) {
        deleted += 1;
      }
    }
    return deleted;
  }

  async #sweepReservations(namespace: string, signal: AbortSignal | undefined): Promise<number> {
    if (!this.#o.holdersKnown()) return 0;
    const { items } = await this.#o.reader.list<KubeObject>(resources.leases, this.#o.namespace, {
      labelSelector: `${cacheLabel}=reservation,${cacheNamespaceLabel}=${namespace}`,
      ...(signal ? { signal } : {}),
    });
    const { sightings, holdersOf, heartbeatMs } = this.#o;
    const factsOf = (lease: KubeObject) => reservationFactsOf(sightings, lease, holdersOf);
    const toCollect = reservationsToCollect(items, namespace, factsOf, new Date(), heartbeatMs);
    let deleted = 0;
    for (const lease of toCollect) {
      const { name, uid, resourceVersion } = lease.metadata ?? {};
      const preconditions = { uid, resourceVersion };
      if (await this.#deleteUnlessReplaced(resources.leases, name, preconditions, signal)) {
        deleted += 1;
      }
    }
    return deleted;
  }

  /** Deletes the object at the preconditions read; false when it was gone or changed since. */
  async #deleteUnlessReplaced(
    type: ResourceType,
    name: string | undefined,
    preconditions: { uid?: string | undefined; resourceVersion?: string | undefined },
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    try {
      return await this.#o.client.delete(type, this.#o.namespace, name ?? '', {
        preconditions,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // Changed since it was read (stored again, renewed, taken over): not this one to judge.
      if (isKubernetesError(error, 'Conflict')) return false;
      throw error;
    }
  }
}
