import {
  type Executor,
  executionResourceName,
  isOwnedBy,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject, Reader } from '@roundhouse/kube';
import type { ResourceState } from './failure.js';

/**
 * An attempt's execution resource as `reader` sees it, for engines that declare the resource
 * they create (`Executor.watches`): found by the attempt's lock name, so it is seen even when
 * the executor, which only reads what it owns, would not. `unknown` for other engines.
 */
export async function attemptResourceState(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  reader: Reader,
  signal: AbortSignal,
): Promise<ResourceState> {
  const watch = executor.watches?.[0];
  if (!watch) return 'unknown';
  const name = executionResourceName(wfe.spec.targetResource, watch.conventions.namePrefix);
  const object = await reader.get<KubeObject>(watch.resource, namespace, name, { signal });
  if (!object) return 'absent';
  return object.metadata?.deletionTimestamp ? 'deleting' : 'present';
}

/**
 * Whether the attempt's own execution resource (its uid's, not a previous incarnation's) exists
 * and is not being deleted: the attempt was launched, whatever its status says yet. False for
 * engines that declare no resource.
 */
export async function attemptLaunched(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  reader: Reader,
  signal: AbortSignal,
): Promise<boolean> {
  const watch = executor.watches?.[0];
  if (!watch) return false;
  const name = executionResourceName(wfe.spec.targetResource, watch.conventions.namePrefix);
  const object = await reader.get<KubeObject>(watch.resource, namespace, name, { signal });
  return (
    object !== null &&
    !object.metadata?.deletionTimestamp &&
    isOwnedBy(object.metadata, wfe, watch.conventions)
  );
}
