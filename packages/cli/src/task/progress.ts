import { printableText } from '@roundhouse/core';
import type { StepStatus } from '@roundhouse/pod';
import { renderTable } from '../table.js';
import type { Colors } from '../terminal.js';
import { spinnerFrames } from '../watch-view.js';
import {
  isRunFinished,
  runDurationOf,
  runPhaseOf,
  stepColumns,
  type TaskRunObject,
} from './views.js';

/**
 * One thing a plain line reports, keyed so it is printed again only when it changes: a pipe or a
 * CI log gets a line per step transition and not one per status write.
 */
export interface Milestone {
  readonly key: string;
  readonly value: string;
  readonly line: string;
}

/** A run's milestones now: where it waits before any step runs, then each step that moved. */
export function runMilestones(run: TaskRunObject): Milestone[] {
  const name = run.metadata.name ?? '';
  const phase = runPhaseOf(run);
  const reason = run.status?.reason ?? '';
  const waiting: Milestone[] =
    phase === '-'
      ? [{ key: 'run', value: phase, line: `TaskRun ${name}: waiting for the controller` }]
      : phase === 'Pending'
        ? [
            {
              key: 'run',
              value: `${phase}|${reason}`,
              line: `TaskRun ${name}: Pending${reason ? ` (${reason}${run.status?.message ? `: ${run.status.message}` : ''})` : ''}`,
            },
          ]
        : [];
  const steps = (run.status?.stepStatuses ?? [])
    .filter((s) => s.state !== 'Waiting')
    .map((s) => ({ key: `step/${s.name}`, value: s.state, line: stepLine(s) }));
  return [...waiting, ...steps];
}

export function stepLine(step: StepStatus): string {
  const exit = step.exitCode !== undefined ? `exit code ${step.exitCode}` : '';
  const detail = [exit, step.state === 'Failed' ? (step.reason ?? '') : '']
    .filter(Boolean)
    .join(', ');
  return `step ${step.name}: ${step.state}${detail ? ` (${detail})` : ''}`;
}

/** The milestones that differ from what was printed, escaped; records them as printed. */
export function newMilestones(printed: Map<string, string>, run: TaskRunObject): string[] {
  const lines: string[] = [];
  for (const m of runMilestones(run)) {
    if (printed.get(m.key) === m.value) continue;
    printed.set(m.key, m.value);
    lines.push(printableText(m.line));
  }
  return lines;
}

/** The closing line, once the run has ended; escaped. */
export function endLine(run: TaskRunObject, now: Date): string {
  const name = run.metadata.name ?? '';
  const phase = runPhaseOf(run);
  const why =
    phase === 'Failed' ? `: ${run.status?.reason ?? ''}: ${run.status?.message ?? ''}` : '';
  return printableText(`TaskRun ${name} ${phase} in ${runDurationOf(run, now)}${why}`);
}

/** 0 when the run succeeded, 1 when it failed or vanished before it ended. */
export const runExitCode = (run: TaskRunObject | undefined) =>
  run?.status?.phase === 'Succeeded' ? 0 : 1;

/** The live view, redrawn in place: the run, then a row per step with a mark. */
export function liveRunFrame(
  run: TaskRunObject,
  view: { now: Date; tick: number; colors: Colors },
): string {
  const { colors: c, now } = view;
  const spinner = spinnerFrames[view.tick % spinnerFrames.length] ?? '';
  const marks = new Map([
    ['Waiting', { mark: '·', paint: c.dim }],
    ['Running', { mark: spinner, paint: c.cyan }],
    ['Succeeded', { mark: '✔', paint: c.green }],
    ['Failed', { mark: '✖', paint: c.red }],
    ['Skipped', { mark: '-', paint: c.dim }],
  ]);
  // A Map: looked up in an object, a phase named `toString` would find Object's method.
  const paints = new Map([
    ['Succeeded', c.green],
    ['Failed', c.red],
    ['Running', c.cyan],
    ['Pending', c.yellow],
  ]);
  // Escaped before they are coloured: the colour codes are the CLI's, the rest is the run's.
  const phase = printableText(runPhaseOf(run));
  const reason = printableText(run.status?.reason ?? '');
  const head = `TaskRun ${printableText(run.metadata.name ?? '')} (task ${printableText(
    run.spec?.taskRef?.name ?? '',
  )}): ${(paints.get(phase) ?? String)(phase)}${
    reason && !isRunFinished(run) ? c.dim(` ${reason}`) : ''
  }  ${runDurationOf(run, now)}`;
  const steps = run.status?.stepStatuses ?? [];
  if (!steps.length) return head;
  const table = renderTable(
    [
      {
        header: '',
        value: (s: StepStatus) => marks.get(s.state)?.mark ?? '',
        style: (text, s) => marks.get(s.state)?.paint(text) ?? text,
      },
      ...stepColumns(now),
    ],
    steps,
  );
  return `${head}\n${table}`;
}
