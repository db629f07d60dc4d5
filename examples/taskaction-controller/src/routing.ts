import type { Registry } from '@roundhouse/core';

/**
 * Which engine runs which task type, as Flyte maps task types to plugins: the types Flyte's
 * container plugin takes (`container`, `python`, Flyte 2's own, and `raw-container`) run on the
 * `job` engine unless configured otherwise. A task type that maps to no registered engine fails
 * its action with PluginNotFound, where Flyte would fall back to its pod plugin: a type meant for
 * another plugin (Spark, Ray) must not run as a plain container.
 */
export interface TaskTypeRouting {
  /** Task type -> engine name, e.g. `{ container: 'job' }`. */
  readonly taskTypes: Readonly<Record<string, string>>;
  /** The engine for task types not listed; without one they are PluginNotFound. */
  readonly defaultEngine?: string | undefined;
}

export const defaultRouting: TaskTypeRouting = Object.freeze({
  taskTypes: Object.freeze({ container: 'job', python: 'job', 'raw-container': 'job' }),
});

/** The registered engine that runs `taskType`, or undefined. */
export function engineFor(
  taskType: string,
  routing: TaskTypeRouting,
  registry: Pick<Registry, 'has'>,
): string | undefined {
  const engine = Object.hasOwn(routing.taskTypes, taskType)
    ? routing.taskTypes[taskType]
    : routing.defaultEngine;
  return engine !== undefined && registry.has(engine) ? engine : undefined;
}

/** "container -> job, spark -> (unregistered spark)" for messages. */
export function describeRouting(routing: TaskTypeRouting, registry: Pick<Registry, 'has'>): string {
  const entries = Object.entries(routing.taskTypes).map(
    ([type, engine]) => `${type} -> ${registry.has(engine) ? engine : `(unregistered ${engine})`}`,
  );
  if (routing.defaultEngine) entries.push(`anything else -> ${routing.defaultEngine}`);
  return entries.length ? entries.join(', ') : '(none)';
}
