import { type FieldIssue, toFieldIssues } from '@roundhouse/core';
import type { z } from 'zod';
import { TaskLabelsSchema } from './labels.js';
import { RequestedProcessSpecSchema, type TaskRequest } from './process-spec.js';
import { TaskNameSchema } from './task-name.js';
import { TaskRequestError } from './wire-errors.js';

/**
 * Reads one task from a request body in either shape clients send:
 *
 * - flat, as OpenSandbox's Go types and controller send it: `{name, process: {...}}`;
 * - nested, as OpenSandbox's README documents it: `{name, spec: {process: {...}}}`.
 *
 * Both may be present when they agree. Everything the agent does not take (status fields a
 * client echoes back, `deletionTimestamp`) is ignored, as the Go agent ignores unknown fields.
 * `at` prefixes field paths (`[2].` for an element of a setTasks array).
 */
export function taskRequestFromWire(input: unknown, at = ''): TaskRequest {
  if (!isObject(input)) {
    throw invalid([
      { path: at ? at.replace(/\.$/, '') : 'body', message: 'must be a JSON object' },
    ]);
  }
  const spec = input.spec;
  if (spec !== undefined && spec !== null && !isObject(spec)) {
    throw invalid([{ path: `${at}spec`, message: 'must be an object' }]);
  }
  const containerField = [
    ['podTemplateSpec', input.podTemplateSpec],
    ['spec.podTemplateSpec', spec?.podTemplateSpec],
    ['spec.container', spec?.container],
  ].find(([, value]) => value !== undefined && value !== null)?.[0] as string | undefined;
  if (containerField) {
    throw new TaskRequestError('ContainerTasksNotSupported', [
      {
        path: `${at}${containerField}`,
        message:
          'container tasks are not supported by roundhouse-task-executor (--enable-container-mode ' +
          'is accepted for compatibility only); send a process task',
      },
    ]);
  }
  const flat = goOptionals(input.process ?? undefined);
  const nested = goOptionals(spec?.process ?? undefined);
  if (
    flat !== undefined &&
    nested !== undefined &&
    JSON.stringify(flat) !== JSON.stringify(nested)
  ) {
    throw invalid([
      { path: `${at}spec.process`, message: 'differs from process; send the task in one shape' },
    ]);
  }
  const issues: FieldIssue[] = [];
  const name = check(TaskNameSchema, input.name, `${at}name`, issues);
  const processPath = flat !== undefined ? `${at}process` : `${at}spec.process`;
  const process =
    flat === undefined && nested === undefined
      ? void issues.push({
          path: `${at}process`,
          message: 'is required: {command, args?, env?, workingDir?, timeoutSeconds?}',
        })
      : check(RequestedProcessSpecSchema, flat ?? nested, processPath, issues);
  issues.push(...unresolvedReferences(flat ?? nested, processPath));
  const labels = optionalMap(input.labels, `${at}labels`, issues);
  const annotations = optionalMap(input.annotations, `${at}annotations`, issues);
  if (issues.length || name === undefined || process === undefined) throw invalid(issues);
  return { name, process, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}

/** The desired set of `POST /setTasks`: a JSON array of tasks, each in either shape. */
export function desiredTasksFromWire(input: unknown): TaskRequest[] {
  if (!Array.isArray(input)) {
    throw invalid([{ path: 'body', message: 'must be a JSON array of tasks ([] removes all)' }]);
  }
  const tasks = input.map((task, index) => taskRequestFromWire(task, `[${index}].`));
  const seen = new Map<string, number>();
  tasks.forEach((task, index) => {
    const first = seen.get(task.name);
    if (first !== undefined) {
      throw invalid([{ path: `[${index}].name`, message: `repeats the name of [${first}]` }]);
    }
    seen.set(task.name, index);
  });
  return tasks;
}

/**
 * How deeply a request body may nest. A task nests about eight levels; the bound keeps a
 * hostile body from exhausting the stack of whatever walks it recursively.
 */
export const maxJsonDepth = 100;

/**
 * Parses a request body as JSON, naming the body as the bad field when it is not JSON or nests
 * deeper than `maxJsonDepth`.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid([{ path: 'body', message: 'is not valid JSON' }]);
  }
  if (nestsDeeperThan(value, maxJsonDepth)) {
    throw invalid([{ path: 'body', message: `nests deeper than ${maxJsonDepth} levels` }]);
  }
  return value;
}

/** Walks with a stack of its own rather than recursion, which is what the depth bounds. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * A process as OpenSandbox's Go agent reads it: encoding/json decodes null into a slice,
 * pointer or string as its zero value, and the executor treats an empty workingDir as unset
 * (runtime/process.go), so clients that write unset fields as null or "" keep working. A null
 * command stays, to be refused as missing.
 */
function goOptionals(process: unknown): unknown {
  if (!isObject(process)) return process;
  const env = Array.isArray(process.env)
    ? process.env.map((entry) =>
        isObject(entry) ? withoutNulls(entry, ['value', 'valueFrom']) : entry,
      )
    : process.env;
  const lifecycle = isObject(process.lifecycle)
    ? Object.fromEntries(
        Object.entries(process.lifecycle).map(([hook, handler]) => [
          hook,
          isObject(handler) ? withoutNulls(handler, ['execMode', 'timeoutSeconds']) : handler,
        ]),
      )
    : process.lifecycle;
  const read = withoutNulls({ ...process, env, lifecycle }, [
    'args',
    'env',
    'workingDir',
    'timeoutSeconds',
    'execMode',
    'lifecycle',
  ]);
  if (read.workingDir === '') delete read.workingDir;
  return read;
}

/**
 * The env entries that carry a Kubernetes EnvVar's `valueFrom` (a Secret, ConfigMap or field
 * reference), each an issue: the agent resolves none, and the Go agent runs the task with the
 * variable set empty without a word, which is worse than a refusal.
 */
function unresolvedReferences(process: unknown, path: string): FieldIssue[] {
  if (!isObject(process) || !Array.isArray(process.env)) return [];
  return process.env.flatMap((entry: unknown, index) =>
    isObject(entry) && entry.valueFrom !== undefined
      ? [
          {
            path: `${path}.env.${index}.valueFrom`,
            message:
              'is not supported: the agent resolves no Secret, ConfigMap or field reference ' +
              "(OpenSandbox's agent sets the variable empty); send the value in value",
          },
        ]
      : [],
  );
}

function withoutNulls(value: Record<string, unknown>, keys: readonly string[]) {
  const kept: Record<string, unknown> = { ...value };
  for (const key of keys) if (kept[key] === null || kept[key] === undefined) delete kept[key];
  return kept;
}

function check<T>(schema: z.ZodType<T>, value: unknown, path: string, issues: FieldIssue[]) {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  issues.push(...toFieldIssues(result.error, path, value));
  return undefined;
}

function optionalMap(value: unknown, path: string, issues: FieldIssue[]) {
  return value === undefined || value === null
    ? undefined
    : check(TaskLabelsSchema, value, path, issues);
}

function invalid(issues: FieldIssue[]): TaskRequestError {
  return new TaskRequestError('InvalidRequest', issues);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
