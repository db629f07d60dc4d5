import {
  dependenciesMaxCount,
  dependencyListFields,
  tooManyDependencies,
} from './dependency-count.js';
import { engineConfigProblem } from './engine-config.js';
import type { FieldIssue } from './errors.js';
import { parametersMaxCount, tooManyDeclaredNames, tooManyParameters } from './parameter-count.js';

/**
 * What must be refused before the schema looks at the object: what would cost the schema far
 * more than an execution is worth, since it validates every value of a field before its bound
 * (an engineConfig the schema would refuse, see engineConfigProblem; more parameters or declared
 * parameter names than allowed: 100,000 took a second; longer dependency lists than allowed), then a `__proto__` key anywhere in the
 * fields a WorkflowExecution keeps (JSON.parse creates such keys from hostile input; zod drops
 * them from records without a word, and merging one into an object changes its prototype),
 * whose walk looks at every value and so comes after the bounds. Walked with an explicit stack,
 * so no depth can overflow it here.
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
  const parameters = keyCount((root.spec as { parameters?: unknown } | undefined)?.parameters);
  if (parameters > parametersMaxCount) {
    return { path: 'spec.parameters', message: tooManyParameters(parameters) };
  }
  const declared = (workflowRef as { declaredParameterNames?: unknown } | undefined)
    ?.declaredParameterNames;
  if (keyCount(declared) > parametersMaxCount) {
    return { path: 'spec.workflowRef.declaredParameterNames', message: tooManyDeclaredNames };
  }
  const dependencies = dependencyListIssue(root.spec);
  if (dependencies !== undefined) return dependencies;
  const stringMaps = stringMapPrototypeKey(root.metadata);
  if (stringMaps !== undefined) return prototypeKeyIssue(stringMaps);
  for (const field of ['metadata', 'spec', 'status']) {
    const path = findPrototypeKey(
      field === 'metadata' ? withoutStringMaps(root[field]) : root[field],
      field,
    );
    if (path !== undefined) return prototypeKeyIssue(path);
  }
  return undefined;
}

function prototypeKeyIssue(path: string): FieldIssue {
  return {
    path,
    message:
      'the key "__proto__" is not allowed (it would be dropped or change an object\'s prototype)',
  };
}

/**
 * Labels and annotations hold strings only (the schema refuses anything else), so a `__proto__`
 * key can only be their own: one look each instead of a walk of what may be 100,000 entries.
 */
const stringMapFields = ['labels', 'annotations'] as const;

function stringMapPrototypeKey(metadata: unknown): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  for (const field of stringMapFields) {
    const map = (metadata as Record<string, unknown>)[field];
    if (typeof map === 'object' && map !== null && Object.hasOwn(map, '__proto__')) {
      return `metadata.${field}.__proto__`;
    }
  }
  return undefined;
}

function withoutStringMaps(metadata: unknown): unknown {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return metadata;
  // And managedFields: the API server writes it, every key of its fieldsV1 is prefixed (`f:`,
  // `k:`, `v:`, `i:`, `.`) so none is `__proto__`, and it holds one entry per label.
  const {
    labels: _labels,
    annotations: _annotations,
    managedFields: _managedFields,
    ...rest
  } = metadata as Record<string, unknown>;
  return rest;
}

/** A dependency list longer than allowed, in either place a spec may hold one. */
function dependencyListIssue(spec: unknown): FieldIssue | undefined {
  const places = [
    [
      'spec.dependencies',
      (spec as { dependencies?: unknown | undefined } | undefined)?.dependencies,
    ],
    [
      'spec.workflowRef.dependencies',
      (spec as { workflowRef?: { dependencies?: unknown } | undefined } | undefined)?.workflowRef
        ?.dependencies,
    ],
  ] as const;
  for (const [path, dependencies] of places) {
    if (typeof dependencies !== 'object' || dependencies === null) continue;
    for (const field of dependencyListFields) {
      const list = (dependencies as Record<string, unknown>)[field];
      if (Array.isArray(list) && list.length > dependenciesMaxCount) {
        return { path: `${path}.${field}`, message: tooManyDependencies(list.length) };
      }
    }
  }
  return undefined;
}

/** How many keys `value` has as a record, else 0: the schema says what else is wrong with it. */
function keyCount(value: unknown): number {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value);
  return record ? Object.keys(value).length : 0;
}

interface Visit {
  readonly value: unknown;
  readonly key: string;
  readonly parent: Visit | undefined;
}

/**
 * The dotted path of the first own `__proto__` key anywhere in `value`. Each visit keeps its
 * parent rather than its path, so a deep object costs no more than its size, and only objects
 * are visited: a map of 100,000 labels costs one look at each value, no allocation.
 */
function findPrototypeKey(value: unknown, field: string): string | undefined {
  const pending: Visit[] = [];
  pushObject(pending, value, field, undefined);
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const current = visit.value as Record<string, unknown>;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) {
        pushObject(pending, current[i], String(i), visit);
      }
      continue;
    }
    if (Object.hasOwn(current, '__proto__')) {
      return pathOf({ value: undefined, key: '__proto__', parent: visit });
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i -= 1) {
      const key = keys[i] as string;
      pushObject(pending, current[key], key, visit);
    }
  }
  return undefined;
}

function pushObject(pending: Visit[], value: unknown, key: string, parent: Visit | undefined) {
  if (typeof value === 'object' && value !== null) pending.push({ value, key, parent });
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}
