import type { ProcessSpec } from './process-spec.js';

/**
 * A task's environment: the base (the agent's own, or in sidecar mode the main container's
 * process's) with the task's variables on top, later entries winning, as Kubernetes does.
 */
export function taskEnvironment(
  base: Iterable<readonly [string, string | undefined]>,
  env: ProcessSpec['env'],
): Record<string, string> {
  // A Map, not assignments to an object: a variable named __proto__ would vanish without a word.
  const result = new Map<string, string>();
  for (const [name, value] of base) if (value !== undefined) result.set(name, value);
  for (const { name, value } of env ?? []) result.set(name, value ?? '');
  return Object.fromEntries(result);
}
