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
  readonly logger?: Logger | undefined;
}

/**
 * Deletes the cache entries of a namespace that no longer exists (see `entriesToCollect`), when
 * its Namespace is deleted or created again and when an entry of it is seen, which includes
 * every entry as the informer starts: what a crash left, or a namespace deleted while no
 * controller ran, goes at the next start. Each delete is conditional on the uid read, so an
 * entry stored again meanwhile stays. A sweep reads one namespace's entries from memory, so no
 * reconcile lists anything.
 */
export class CacheCollector {
  readonly #o: CacheCollectorOptions;
  readonly #running = new Map<string, Promise<unknown>>();
  /** Namespaces asked for while their sweep ran: swept once more after it, not once per ask. */
  readonly #again = new Set<string>();

  constructor(options: CacheCollectorOptions) {
    this.#o = options;
  }

  /** Sweeps `namespace`'s entries in the background; failures are logged, and retried on the next ask. */
  collect(namespace: string): void {
    if (this.#running.has(namespace)) {
      this.#again.add(namespace);
      return;
    }
    const run = this.sweep(namespace)
      .catch((error: unknown) => {
        (this.#o.logger ?? noopLogger).warn(
          { namespace, error: error instanceof Error ? error.message : String(error) },
          'cache entries of a deleted namespace not collected',
        );
      })
      .finally(() => {
        this.#running.delete(namespace);
        if (this.#again.delete(namespace)) this.collect(namespace);
      });
    this.#running.set(namespace, run);
  }

  /** Deletes `namespace`'s entries if it is gone; resolves to how many it deleted. */
  async sweep(namespace: string): Promise<number> {
    const { client, reader } = this.#o;
    const current = await reader.get<KubeObject>(resources.namespaces, undefined, namespace);
    const { items } = await reader.list<KubeObject>(resources.configMaps, this.#o.namespace, {
      labelSelector: `${cacheLabel}=entry,${cacheNamespaceLabel}=${namespace}`,
    });
    let deleted = 0;
    for (const entry of entriesToCollect(
      items,
      namespace,
      current ? { uid: current.metadata?.uid } : null,
    )) {
      try {
        const gone = await client.delete(
          resources.configMaps,
          this.#o.namespace,
          entry.metadata?.name ?? '',
          { preconditions: { uid: entry.metadata?.uid } },
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
