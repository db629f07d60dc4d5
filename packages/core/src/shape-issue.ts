import { engineConfigProblem } from './engine-config.js';
import type { FieldIssue } from './errors.js';

/**
 * What must be refused before the schema looks at the object: an engineConfig the schema would
 * refuse (see engineConfigProblem: too large or too deep, say), checked first because the walk below looks
 * at every value and is bounded only once it is, then a `__proto__` key anywhere in the fields a
 * WorkflowExecution keeps (JSON.parse creates such keys from hostile input; zod drops them from
 * records without a word, and merging one into an object changes its prototype). Walked with an
 * explicit stack, so no depth can overflow it here.
 */
export function findShapeIssue(input: unknown): FieldIssue | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const root = input as Record<string, unknown>;
  const workflowRef = (root.spec as { workflowRef?: unknown } | undefined)?.workflowRef;
  const engineConfig = (workflowRef as { engineConfig?: unknown } | undefined)?.engineConfig;
  const problem = engineConfig === undefined ? undefined : engineConfigProblem(engineConfig);
  if (problem !== undefined) {
    return {
      path: ['spec.workflowRef.engineConfig', ...problem.path].join('.'),
      message: problem.message,
    };
  }
  for (const field of ['metadata', 'spec', 'status']) {
    const path = findPrototypeKey(root[field], field);
    if (path !== undefined) {
      return {
        path,
        message:
          'the key "__proto__" is not allowed (it would be dropped or change an object\'s prototype)',
      };
    }
  }
  return undefined;
}

interface Visit {
  readonly value: unknown;
  readonly key: string;
  readonly parent: Visit | undefined;
}

/**
 * The dotted path of the first own `__proto__` key anywhere in `value`. Each visit keeps its
 * parent rather than its path, so a deep object costs no more than its size.
 */
function findPrototypeKey(value: unknown, field: string): string | undefined {
  const pending: Visit[] = [{ value, key: field, parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current !== 'object' || current === null) continue;
    if (!Array.isArray(current) && Object.hasOwn(current, '__proto__')) {
      return pathOf({ value: undefined, key: '__proto__', parent: visit });
    }
    const children = Object.entries(current);
    for (let i = children.length - 1; i >= 0; i -= 1) {
      const [key, child] = children[i] as [string, unknown];
      pending.push({ value: child, key, parent: visit });
    }
  }
  return undefined;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}
