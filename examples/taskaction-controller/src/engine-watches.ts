import {
  executionReadScope,
  executionWatchScope,
  type InformerScope,
} from '@roundhouse/controller';
import type { Conventions, DeletionPropagation, Registry, ResourceType } from '@roundhouse/core';
import type { TaskTypeRouting } from './routing.js';

/** An informer the controller keeps in the execution namespace for one engine. */
export type EngineInformer =
  | {
      /** An attempt's execution resource (a Job): each change wakes the attempt's action. */
      readonly kind: 'owned';
      readonly resource: ResourceType;
      readonly scope: InformerScope;
      readonly conventions: Conventions;
      /** How the engine's cleanup deletes it: an orphan is deleted the same way. */
      readonly deletion?: DeletionPropagation | undefined;
    }
  | {
      /** What an engine reads in a status check (a Job's pods): cached only, waking nothing. */
      readonly kind: 'read';
      readonly resource: ResourceType;
      readonly scope: InformerScope;
    };

/**
 * The informers of every engine a task type is routed to: what it creates (`Executor.watches`)
 * and what its status checks read (`Executor.reads`), so neither costs a request while an
 * attempt runs.
 */
export function engineInformers(
  routing: TaskTypeRouting,
  registry: Pick<Registry, 'has' | 'get'>,
  executionNamespace: string,
): EngineInformer[] {
  const engines = new Set([
    ...Object.values(routing.taskTypes),
    ...(routing.defaultEngine ? [routing.defaultEngine] : []),
  ]);
  const informers: EngineInformer[] = [];
  for (const engine of engines) {
    if (!registry.has(engine)) continue;
    const executor = registry.get(engine);
    for (const watch of executor.watches ?? []) {
      const scope = executionWatchScope(watch, executionNamespace);
      informers.push({
        kind: 'owned',
        resource: watch.resource,
        scope,
        conventions: watch.conventions,
        ...(watch.deletion ? { deletion: watch.deletion } : {}),
      });
    }
    for (const read of executor.reads ?? []) {
      const scope = executionReadScope(read, executionNamespace);
      informers.push({ kind: 'read', resource: read.resource, scope });
    }
  }
  return informers;
}
