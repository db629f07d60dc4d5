import { type Logger, noopLogger } from '@roundhouse/core';
import {
  isKubernetesError,
  type KubeClient,
  type KubeObject,
  type Reader,
  resources,
} from '@roundhouse/kube';
import { cacheLabel, cacheNamespaceLabel } from './cache.js';
import { entriesToCollect } from './cache-collect.js';

export interface CacheCollectorOptions {
  readonly client: Pick<KubeClient, 'delete'>;
  /**
   * The controller's informers of Namespaces and of the entries. A Namespace the informer does
   * not hold is asked of the API server (`InformerCache.get`), so a namespace a lagging or
   * unsynced informer has not seen yet is never taken for gone.
   */
  readonly reader: Pick<Reader, 'get' | 'list'>;
  /** The cache's namespace: the execution namespace. */
  readonly namespace: string;
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
 * conditional on the uid read, so an entry stored again meanwhile stays. A sweep reads one
 * namespace's entries from memory, so no reconcile lists anything. Sweeps run only between
 * `runUntil` and the abort of its signal (the controller's run, so only the leader deletes).
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
   * Deletes `namespace`'s entries if they serve an earlier or no namespace of that name;
   * resolves to how many it deleted. The entries are listed before the Namespace is read, so
   * each was stored before that read: one a namespace created again under the name stores
   * after it found gone is not in the list to delete.
   */
  async sweep(namespace: string, signal?: AbortSignal): Promise<number> {
    const { client, reader } = this.#o;
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
      try {
        const gone = await client.delete(
          resources.configMaps,
          this.#o.namespace,
          entry.metadata?.name ?? '',
          { preconditions: { uid: entry.metadata?.uid }, ...(signal ? { signal } : {}) },
        );
        if (gone) deleted += 1;
      } catch (error) {
        // Another entry under that name now: populated since, it is not this one to judge.
        if (!isKubernetesError(error, 'Conflict')) throw error;
      }
    }
    return deleted;
  }
}
