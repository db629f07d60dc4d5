import type { FieldIssue } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { type TaskRunSpec, TaskRunSpecSchema, taskRuns } from '@roundhouse/pod';
import { InputError } from '../errors.js';
import { checkTimeout } from '../manifest.js';
import { shortQuote } from '../quote.js';

/** What `task start` reads from its flags. */
export interface StartInput {
  readonly task: string;
  readonly namespace: string;
  /** `-p name=value`, as typed. */
  readonly param: readonly string[];
  readonly timeout?: string | undefined;
}

/** A TaskRun to create: the server appends a suffix to `<task>-run-`, as tkn and mini-task name runs. */
export type TaskRunManifest = KubeObject & {
  apiVersion: string;
  kind: 'TaskRun';
  metadata: NonNullable<KubeObject['metadata']> & { generateName: string; namespace: string };
  spec: TaskRunSpec;
};

const paramFix =
  'write each param as -p name=value, the name of letters, digits, "_" and "-" and declared by the Task (kubectl roundhouse task list shows them)';

/**
 * The TaskRun `task start` creates, checked with the schema the TaskRun controller validates
 * with, so a mistake is named by its flag here instead of failing the run later.
 */
export function taskRunManifest(input: StartInput): TaskRunManifest {
  const params = parseTaskParams(input.param);
  const spec = {
    taskRef: { name: input.task },
    ...(params.length ? { params } : {}),
    ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
  };
  const parsed = TaskRunSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue): FieldIssue => {
      const [field, index] = issue.path;
      if (field === 'timeout') return { path: '--timeout', message: issue.message };
      if (field === 'params') {
        return { path: `-p ${params[index as number]?.name ?? ''}`, message: issue.message };
      }
      return { path: '<task>', message: issue.message };
    });
    const timeoutOnly = issues.every((i) => i.path === '--timeout');
    throw new InputError(issues, timeoutOnly ? 'pass a Go duration: --timeout 10m' : paramFix);
  }
  if (input.timeout !== undefined) {
    checkTimeout(input.timeout, '--timeout', 'pass a positive Go duration: --timeout 10m');
  }
  return {
    apiVersion: `${taskRuns.group}/${taskRuns.version}`,
    kind: 'TaskRun',
    metadata: { generateName: `${input.task}-run-`, namespace: input.namespace },
    spec: parsed.data,
  };
}

/** `-p name=value` values in order; the value may hold "=" and be empty. */
export function parseTaskParams(values: readonly string[]): { name: string; value: string }[] {
  const issues: FieldIssue[] = [];
  const params: { name: string; value: string }[] = [];
  for (const text of values) {
    const separator = text.indexOf('=');
    if (separator <= 0) {
      issues.push({ path: '-p', message: `${shortQuote(text)} is not name=value` });
      continue;
    }
    const name = text.slice(0, separator);
    if (params.some((p) => p.name === name)) {
      issues.push({ path: `-p ${name}`, message: 'is given twice' });
      continue;
    }
    params.push({ name, value: text.slice(separator + 1) });
  }
  if (issues.length) throw new InputError(issues, paramFix);
  return params;
}
