import { type ExecutionRead, type ExecutionWatch, ownedResourcesSelector } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { InformerScope } from './informer-cache.js';

/**
 * The informer scope of an engine's own execution resources (`Executor.watches`) in the
 * execution namespace: only what carries the engine's owner labels, so the cache never holds
 * what the controller does not own.
 */
export function executionWatchScope(watch: ExecutionWatch, namespace: string): InformerScope {
  return { namespace, labelSelector: ownedResourcesSelector(watch.conventions) };
}

/**
 * The informer scope of what an engine reads while its executions run (`Executor.reads`, a
 * Job's pods) in the execution namespace, so those reads are answered from memory.
 */
export function executionReadScope(read: ExecutionRead, namespace: string): InformerScope {
  const { transform } = read;
  return {
    namespace,
    labelSelector: read.labelSelector,
    ...(read.fieldSelector ? { fieldSelector: read.fieldSelector } : {}),
    // The contract has the transform keep the metadata a cached object needs.
    ...(transform ? { transform: (obj: KubeObject) => transform(obj) as KubeObject } : {}),
  };
}
