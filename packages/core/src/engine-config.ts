import { z } from 'zod';

/**
 * How deeply `spec.workflowRef.engineConfig` may nest. Engine settings take two or three
 * levels; the API server stores objects nested up to 10,000 levels (the limit of
 * k8s.io/apimachinery/pkg/util/json), and a recursive walk of one overflows this process's stack
 * at about 1,300.
 */
export const engineConfigMaxDepth = 64;

/**
 * How many JSON values (each object, array, string, number, boolean and null counts one)
 * `spec.workflowRef.engineConfig` may hold. Values, not bytes: validation costs per value, and a
 * string costs one however long it is, while the longest legitimate configs are long strings
 * (a pod step's script may take 128 KiB, and 100 steps may have one each, more than the API
 * server stores). The most values a real engine takes is the pod engine's: 100 steps of six
 * values each, plus three per environment variable; 20,000 leaves each of the 100 steps 64
 * variables. The API server stores about 700,000 values in one object (`[[[1]]]` 170,000
 * times), which zod's `z.json()` took 10 s to validate, the controller's event loop stopped all
 * that while; 20,000 values are walked in a few milliseconds.
 */
export const engineConfigMaxValues = 20_000;

/** What is wrong with an engineConfig, and where: keys below engineConfig, [] for all of it. */
export interface EngineConfigProblem {
  readonly path: readonly string[];
  readonly message: string;
}

interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly key: string;
  readonly parent: Visit | undefined;
}

/**
 * Why `config` cannot be an engineConfig, or undefined when it can: it must be JSON (what the
 * API server stores; a library caller may pass anything), at most {@link engineConfigMaxValues}
 * values, nested at most {@link engineConfigMaxDepth} levels, without an own `__proto__` key.
 * Walked with an explicit stack, counting each container's children before visiting them, so
 * neither depth nor size costs more than the limits: an oversized value is refused before most
 * of it is looked at. Each visit keeps its parent rather than its path, so a path is built only
 * for the value that is refused.
 */
export function engineConfigProblem(config: unknown): EngineConfigProblem | undefined {
  let values = 1;
  const pending: Visit[] = [{ value: config, depth: 1, key: '', parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const { value, depth } = visit;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) continue;
      return { path: pathOf(visit), message: `is ${value}, which JSON cannot carry` };
    }
    if (!isContainer(value)) {
      return { path: pathOf(visit), message: `is ${describe(value)}, which JSON cannot carry` };
    }
    if (depth > engineConfigMaxDepth) {
      return {
        path: [],
        message: `is nested more than ${engineConfigMaxDepth} levels deep; engine settings need a few levels, flatten it`,
      };
    }
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) {
      return {
        path: [...pathOf(visit), '__proto__'],
        message:
          'the key "__proto__" is not allowed (it would be dropped or change an object\'s prototype)',
      };
    }
    values += Array.isArray(value) ? value.length : Object.keys(value).length;
    if (values > engineConfigMaxValues) {
      return {
        path: [],
        message: `holds more than ${engineConfigMaxValues} values (objects, arrays, strings, numbers, booleans and nulls); engine settings need far fewer: put data the workflow reads in a ConfigMap (spec.dependencies) or its bundle`,
      };
    }
    for (const [key, child] of Object.entries(value)) {
      pending.push({ value: child, depth: depth + 1, key, parent: visit });
    }
  }
  return undefined;
}

function pathOf(visit: Visit): string[] {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) {
    keys.push(at.key);
  }
  return keys.reverse();
}

function isContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return `an object of class ${value.constructor?.name ?? 'unknown'}`;
  }
  return `a value of type ${typeof value}`;
}

/**
 * `spec.workflowRef.engineConfig`: any JSON within the bounds of {@link engineConfigProblem},
 * validated by the engine that reads it. The bounds are checked by that one walk rather than by
 * `z.json()`, whose union tries each kind of value in turn and costs about 15 µs per value.
 *
 * The id makes `z.toJSONSchema` emit this field as a reference, as it emits `z.json()`, which a
 * CRD schema (`crdSchemaOf`) turns into a field that preserves unknown fields.
 */
export const EngineConfigSchema = z
  .unknown()
  .superRefine((config, ctx) => {
    const problem = engineConfigProblem(config);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    }
  })
  .meta({ id: 'RoundhouseEngineConfig' })
  // What the walk above established; the type engines read it as.
  .transform((config) => config as z.core.util.JSONType);
