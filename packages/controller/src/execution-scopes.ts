import { type ExecutionRead, type ExecutionWatch, ownedResourcesSelector } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { InformerScope } from './informer-cache.js';

/**
 * The label selector of an engine's own execution resources: the owner labels, narrowed by the
 * watch's own terms (`ExecutionWatch.labelSelector`), so resources of the same kind that
 * another engine's executions leave (Tekton's task Pods beside the pod engine's Pods) are not
 * taken for this engine's.
 */
export function executionWatchSelector(watch: ExecutionWatch): string {
  const narrowing = watch.labelSelector?.trim();
  const owned = ownedResourcesSelector(watch.conventions);
  return narrowing ? `${owned},${narrowing}` : owned;
}

/**
 * The informer scope of an engine's own execution resources (`Executor.watches`) in the
 * execution namespace: only what `executionWatchSelector` selects, so the cache never holds
 * what the controller does not own, and nothing in it wakes an execution or is collected as an
 * orphan of this engine's but its own resources.
 */
export function executionWatchScope(watch: ExecutionWatch, namespace: string): InformerScope {
  return {
    namespace,
    labelSelector: executionWatchSelector(watch),
    ...cacheTransform(watch.transform),
  };
}

/**
 * The informer scope of what an engine reads while its executions run (`Executor.reads`, a
 * Job's pods) in the execution namespace, so those reads are answered from memory.
 */
export function executionReadScope(read: ExecutionRead, namespace: string): InformerScope {
  return {
    namespace,
    labelSelector: read.labelSelector,
    ...(read.fieldSelector ? { fieldSelector: read.fieldSelector } : {}),
    ...cacheTransform(read.transform),
  };
}

/**
 * The engine's own function, not a wrapper around it: engines whose scopes coincide share one
 * informer, which `InformerCache.informerFor` allows only for the very same transform.
 */
function cacheTransform(
  transform: ((object: object) => object) | undefined,
): Pick<InformerScope, 'transform'> {
  // The contract has the transform keep the metadata a cached object needs.
  return transform ? { transform: transform as (obj: KubeObject) => KubeObject } : {};
}
