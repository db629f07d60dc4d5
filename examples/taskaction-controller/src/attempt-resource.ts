import type { Failure } from '@roundhouse/controller';
import {
  type Executor,
  executionResourceName,
  isOwnedBy,
  ownerFromLabels,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject, Reader } from '@roundhouse/kube';
import type { ResourceState } from './failure.js';

/**
 * An attempt's execution resource as `reader` sees it, for engines that declare the resource
 * they create (`Executor.watches`): found by the attempt's lock name, so it is seen even when
 * the executor, which only reads what it owns, would not. `foreign` for one this attempt does
 * not own (see `isOwnedBy`) that is not being deleted; `unknown` for other engines.
 */
export async function attemptResourceState(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  reader: Reader,
  signal: AbortSignal,
): Promise<ResourceState> {
  return (await readAttemptResource(executor, wfe, namespace, reader, signal)).state;
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
  return (await readAttemptResource(executor, wfe, namespace, reader, signal)).state === 'present';
}

/**
 * The failure of an attempt whose name another object holds, one that only looks like the
 * attempt's (its labels may even name it, but it does not record this action's uid): undefined
 * when the name is free, the attempt's own, or on its way out. Such an object is never adopted
 * (its state would be reported as the attempt's) nor deleted (it is someone else's), so the
 * attempt cannot run under its name: the action fails at once, saying whose the name is, rather
 * than spending its budget on relaunches that can only meet the same object.
 */
export async function attemptResourceConflict(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  reader: Reader,
  signal: AbortSignal,
): Promise<Failure | undefined> {
  const { state, object, kind, name } = await readAttemptResource(
    executor,
    wfe,
    namespace,
    reader,
    signal,
  );
  if (state !== 'foreign' || !object) return undefined;
  const watch = executor.watches?.[0];
  const owner = watch && ownerFromLabels(object.metadata?.labels, watch.conventions);
  const named =
    owner?.namespace === wfe.metadata.namespace && owner.name === wfe.metadata.name
      ? 'its labels name this attempt, but it does not record the uid of this action'
      : owner
        ? `its labels name ${owner.noun ?? 'WorkflowExecution'} ${owner.namespace}/${owner.name}`
        : 'it names no owner';
  return {
    kind: 'SYSTEM',
    code: resourceConflictCode,
    message: `${kind} ${namespace}/${name}, the name of this attempt's execution, is held by an object this action does not own (${named}); it is neither adopted nor deleted: remove it, then create the action again`,
    retryable: false,
  };
}

/** The error code of an attempt whose execution resource's name another object holds. */
export const resourceConflictCode = 'ResourceConflict';

async function readAttemptResource(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  reader: Reader,
  signal: AbortSignal,
): Promise<{
  state: ResourceState;
  object?: KubeObject | undefined;
  kind?: string | undefined;
  name?: string | undefined;
}> {
  const watch = executor.watches?.[0];
  if (!watch) return { state: 'unknown' };
  const name = executionResourceName(wfe.spec.targetResource, watch.conventions.namePrefix);
  const kind = watch.resource.kind;
  const object = await reader.get<KubeObject>(watch.resource, namespace, name, { signal });
  if (!object) return { state: 'absent', kind, name };
  if (object.metadata?.deletionTimestamp) return { state: 'deleting', object, kind, name };
  const state = isOwnedBy(object.metadata, wfe, watch.conventions) ? 'present' : 'foreign';
  return { state, object, kind, name };
}
