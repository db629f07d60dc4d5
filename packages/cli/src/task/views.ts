import { printableText } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { StepStatus, TaskRunSpec, TaskRunStatus, TaskSpec } from '@roundhouse/pod';
import { age, humanDuration } from '../humanize.js';
import { storedText } from '../stored-text.js';
import { type Column, renderTable } from '../table.js';
import { storedEntries } from './stored-run.js';

type Meta = NonNullable<KubeObject['metadata']>;

/**
 * A Task and a TaskRun as the API server holds them: the CLI shows even an object the controller
 * refused, so nothing here is validated.
 */
export type TaskObject = KubeObject & { metadata: Meta; spec?: Partial<TaskSpec> | undefined };
export type TaskRunObject = KubeObject & {
  metadata: Meta;
  spec?: Partial<TaskRunSpec> | undefined;
  status?: TaskRunStatus | undefined;
};

/** The phase, or `-` while no controller has written a status. */
export const runPhaseOf = (run: TaskRunObject): string => run.status?.phase ?? '-';

export const isRunFinished = (run: TaskRunObject) =>
  run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed';

/** How long a span took or has taken so far; `-` without a start. */
export function spanOf(from: string | undefined, to: string | undefined, now: Date): string {
  const start = Date.parse(from ?? '');
  const end = to ? Date.parse(to) : now.getTime();
  return Number.isNaN(start) || Number.isNaN(end) ? '-' : humanDuration(end - start);
}

export const runDurationOf = (run: TaskRunObject, now: Date) =>
  spanOf(run.status?.startTime ?? run.metadata.creationTimestamp, run.status?.completionTime, now);

/** The step that runs now, else how far the run got: `build`, `3/3`. */
export function currentStepOf(run: TaskRunObject): string {
  const steps = run.status?.stepStatuses ?? [];
  const running = steps.filter((s) => s.state === 'Running').map((s) => s.name);
  if (running.length) return running.join(',');
  if (!steps.length) return '';
  return `${steps.filter((s) => s.state === 'Succeeded').length}/${steps.length}`;
}

const byName = <T extends { metadata: Meta }>(a: T, b: T) =>
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** `task list`: a Task's steps and params; a param with a default shows it. */
export function taskColumns(now: Date): Column<TaskObject>[] {
  return [
    { header: 'name', value: (t) => t.metadata.name ?? '' },
    // Lists as a looser CRD may store them: see stored-text.ts.
    {
      header: 'steps',
      value: (t) =>
        storedEntries(t.spec?.steps)
          .map((s) => storedText(s.name))
          .join(','),
    },
    {
      header: 'params',
      value: (t) =>
        storedEntries(t.spec?.params)
          .map((p) =>
            p.default !== undefined
              ? `${storedText(p.name)}=${storedText(p.default)}`
              : storedText(p.name),
          )
          .join(','),
    },
    { header: 'parallel', value: (t) => String(t.spec?.parallel === true) },
    { header: 'age', value: (t) => age(t.metadata.creationTimestamp, now) },
  ];
}

/** `taskrun list`, newest runs last as kubectl sorts by name; the step column says where each is. */
export function taskRunColumns(now: Date): Column<TaskRunObject>[] {
  return [
    { header: 'name', value: (r) => r.metadata.name ?? '' },
    { header: 'task', value: (r) => r.spec?.taskRef?.name ?? '' },
    { header: 'phase', value: runPhaseOf },
    { header: 'reason', value: (r) => r.status?.reason ?? '' },
    { header: 'step', value: currentStepOf },
    { header: 'duration', value: (r) => (r.status?.startTime ? runDurationOf(r, now) : '') },
    { header: 'age', value: (r) => age(r.metadata.creationTimestamp, now) },
  ];
}

export const sortByName = <T extends { metadata: Meta }>(items: readonly T[]) =>
  [...items].sort(byName);

/** The steps table of `describe` and the live view. */
export function stepColumns(now: Date): Column<StepStatus>[] {
  return [
    { header: 'step', value: (s) => s.name },
    { header: 'state', value: (s) => s.state },
    { header: 'exit', value: (s) => (s.exitCode !== undefined ? String(s.exitCode) : '') },
    {
      header: 'duration',
      value: (s) => (s.startedAt ? spanOf(s.startedAt, s.finishedAt, now) : ''),
    },
    { header: 'reason', value: (s) => s.reason ?? '' },
  ];
}

/** `taskrun describe`'s text, kubectl-style: one escaped `Field:` per line, then the steps. */
export function describeTaskRun(run: TaskRunObject, now: Date): string {
  const { spec = {}, status } = run;
  const created = run.metadata.creationTimestamp;
  const facts: [string, string | undefined][] = [
    ['Name', run.metadata.name],
    ['Namespace', run.metadata.namespace],
    ['Created', created && `${created} (${age(created, now)} ago)`],
    ['Task', spec.taskRef?.name],
    ['Params', (spec.params ?? []).map((p) => `${p.name}=${p.value}`).join(', ')],
    ['Timeout', spec.timeout],
    ['Phase', runPhaseOf(run)],
    ['Reason', status?.reason],
    ['Message', status?.message],
    ['Failure', status?.failureReason],
    ['Pod', status?.podName],
    ['Started', status?.startTime],
    ['Completed', status?.completionTime],
    ['Duration', status?.startTime && runDurationOf(run, now)],
  ];
  const present = facts.filter((f): f is [string, string] => Boolean(f[1]));
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  const lines = present.map(
    ([label, value]) => `${`${label}:`.padEnd(width)}${printableText(value)}`,
  );
  const steps = status?.stepStatuses ?? [];
  lines.push('Steps:');
  lines.push(steps.length ? indent(renderTable(stepColumns(now), steps)) : '  <none>');
  return `${lines.join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
