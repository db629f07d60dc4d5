import type { FieldIssue } from './errors.js';

/**
 * How deeply `spec.workflowRef.engineConfig` may nest. Engine settings take two or three
 * levels; validating free JSON recurses once per level, and the API server stores objects
 * nested up to 10,000 levels (the limit of k8s.io/apimachinery/pkg/util/json), far more than
 * this process's stack survives: about 1,300 levels overflowed it.
 */
const engineConfigMaxDepth = 64;

/**
 * What must be refused before the schema looks at the object: a `__proto__` key anywhere in
 * the fields a WorkflowExecution keeps (JSON.parse creates such keys from hostile input; zod
 * drops them from records without a word, and merging one into an object changes its
 * prototype), or an engineConfig nested deeper than engineConfigMaxDepth, whose validation
 * would overflow the stack. Walked with an explicit stack, so no depth can overflow it here.
 */
export function findShapeIssue(input: unknown): FieldIssue | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const root = input as Record<string, unknown>;
  const workflowRef = (root.spec as { workflowRef?: unknown } | undefined)?.workflowRef;
  const engineConfig = (workflowRef as { engineConfig?: unknown } | undefined)?.engineConfig;
  if (nestingDepth(engineConfig, engineConfigMaxDepth) > engineConfigMaxDepth) {
    return {
      path: 'spec.workflowRef.engineConfig',
      message: `is nested more than ${engineConfigMaxDepth} levels deep; engine settings need a few levels, flatten it`,
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

/** How deeply `value` nests objects and arrays, counted up to one past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
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
