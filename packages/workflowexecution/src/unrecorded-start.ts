import type { CreateResult, Executor, WorkflowExecution } from '@roundhouse/core';

/**
 * What an engine reads of an execution whose status records no resource: whether a start made
 * one for it all the same (a controller killed between its create and its Running write), and
 * when its engine can adopt it, what adopting it gives.
 */
export type UnrecordedStart =
  | { readonly resourceName: string; readonly adopted: CreateResult }
  | { readonly resourceName: undefined; readonly adopted: undefined };

/**
 * Asks `executor` whether `wfe`'s own resource exists: through its `adopt`, which builds and
 * creates nothing, or without one through `getStatus`, which finds it by the name its create
 * would give and answers null when there is none. Undefined when none exists. For an engine
 * nothing watches this read is the only place such a start shows: its resource (an AWX job, a
 * process task) is not in the controller's cache, so `OrphanedResources.createdFor` never names
 * it.
 */
export async function unrecordedStart(
  executor: Executor,
  wfe: WorkflowExecution,
  namespace: string,
  signal: AbortSignal,
): Promise<UnrecordedStart | undefined> {
  if (executor.adopt) {
    const adopted = await executor.adopt(wfe, namespace, { signal });
    return adopted && { resourceName: adopted.resourceName, adopted };
  }
  const status = await executor.getStatus(wfe, namespace, { signal });
  return status === null ? undefined : { resourceName: undefined, adopted: undefined };
}
