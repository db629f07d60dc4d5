import type { KubeObject, ListOptions, RequestOptions } from './kube-client.js';
import type { ResourceOf } from './resources.js';

/**
 * Reads objects of a resource type, typed as the resource's objects (`ResourceType<T>`) unless a
 * type argument says otherwise. `KubeClient` reads live from the API server; an informer-backed
 * cache (`InformerCache` in `@roundhouse/controller`) serves the same calls from memory. Code
 * that only reads takes a `Reader`, so inside a controller its reads cost no request, and in a
 * test it can be handed the live client.
 */
export interface Reader {
  /** The object, or `null` when it does not exist. */
  get<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions,
  ): Promise<T | null>;
  /** Every matching object. */
  list<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<{ items: T[]; resourceVersion: string }>;
}
