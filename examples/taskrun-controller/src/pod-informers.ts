import { executionWatchSelector, type Informer, type InformerCache } from '@roundhouse/controller';
import { type Conventions, type ExecutionWatch, executionOwnerKey } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

/** The pod informers' index of each Pod under the `namespace/name` of the run it belongs to. */
export const byOwner = 'owner';

/**
 * The key of the run a Pod belongs to, by its owner labels. A run's Pod lives beside it, so a
 * Pod whose labels claim a run of another namespace belongs to none: whoever may create Pods in
 * one namespace must not wake, or make the controller read for, the runs of another.
 */
export const ownerKeys = (conventions: Conventions) => (pod: KubeObject) => {
  const key = executionOwnerKey(pod.metadata, conventions);
  return key?.startsWith(`${pod.metadata?.namespace}/`) ? [key] : [];
};

/**
 * One informer per resource the engine declares it creates (`executor.watches`), in `scope`
 * (a namespace, or all), selected and trimmed as the engine's watch says: its own selector
 * terms, and its `transform`, without which an engine whose resources carry what it never
 * reads back would have them cached whole.
 */
export function podInformers(
  cache: InformerCache,
  watches: readonly ExecutionWatch[],
  scope: { readonly namespace?: string | undefined },
): { informer: Informer<KubeObject>; conventions: Conventions }[] {
  return watches.map((watch) => ({
    informer: cache
      .informerFor<KubeObject>(watch.resource, {
        ...scope,
        labelSelector: executionWatchSelector(watch),
        // The engine's own function: `informerFor` shares an informer only for the same one.
        ...(watch.transform
          ? { transform: watch.transform as (obj: KubeObject) => KubeObject }
          : {}),
      })
      .addIndex(byOwner, ownerKeys(watch.conventions)),
    conventions: watch.conventions,
  }));
}
