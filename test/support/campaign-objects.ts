import { conventionKeys, roundhouseConventions } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceOf, WatchEvent } from '@roundhouse/kube';

const ownerUidKey = conventionKeys(roundhouseConventions).workflowExecutionUidAnnotation;

/** The uid of the execution an execution resource (a Pod, a PipelineRun) was made for. */
export const ownerUid = (object: KubeObject | undefined): string | undefined =>
  object?.metadata?.annotations?.[ownerUidKey];

/** The target number in a campaign execution's name: wfe-<t>, wfe-<t>-a, wfe-<t>-again. */
export const targetOf = (name: string): number => Number(/^wfe-(\d+)/.exec(name)?.[1]);

/**
 * Watches `type` in `namespace` from `resourceVersion` until `signal` fires, keeping `live`,
 * the objects that exist now by name, and handing every event to `onEvent` after: how a crash
 * campaign sees every execution resource the controllers it kills ever made, as it was made.
 */
export function watchLive<T extends KubeObject>(
  client: KubeClient,
  type: ResourceOf<T>,
  namespace: string,
  from: { readonly resourceVersion: string; readonly signal: AbortSignal },
  live: Map<string, T>,
  onEvent: (event: WatchEvent<T>) => void = () => {},
): void {
  void client.watch<T>(
    type,
    namespace,
    (event) => {
      const name = event.object.metadata?.name as string;
      if (event.type === 'DELETED') live.delete(name);
      else live.set(name, event.object);
      onEvent(event);
    },
    { ...from, stallTimeoutMs: 600_000 },
  );
}
