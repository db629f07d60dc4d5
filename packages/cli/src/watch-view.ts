import { printableText, requestedEngine } from '@roundhouse/core';
import { renderTable } from './table.js';
import type { Colors } from './terminal.js';
import { type Execution, elapsedOf, messageOf, phaseOf, reasonOf } from './views.js';

/** One execution under watch: as last seen, or deleted while watched. */
export interface Watched {
  readonly namespace: string;
  readonly name: string;
  readonly object: Execution;
  readonly deleted: boolean;
}

export type Outcome = 'running' | 'completed' | 'failed';

/** Deleted before it finished counts as failed: it never completed. */
export function outcomeOf(watched: Watched): Outcome {
  const phase = watched.object.status?.phase;
  if (phase === 'Completed') return 'completed';
  if (phase === 'Failed' || watched.deleted) return 'failed';
  return 'running';
}

/** 0 when every execution completed, 1 when any failed or vanished. */
export function exitCodeOf(watched: readonly Watched[]): number {
  return watched.every((w) => outcomeOf(w) === 'completed') ? 0 : 1;
}

/** The braille spinner most terminal tools use; one frame per redraw. */
export const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live table, redrawn in place: a spinner for each execution still going. */
export function liveFrame(
  watched: readonly Watched[],
  view: { now: Date; tick: number; colors: Colors },
): string {
  const { colors: c, now } = view;
  const spinner = spinnerFrames[view.tick % spinnerFrames.length] ?? '';
  const marks = { running: spinner, completed: '✔', failed: '✖' };
  const paints = { running: c.cyan, completed: c.green, failed: c.red };
  // A Map: looked up in an object, a phase named `toString` would find Object's method.
  const phasePaints = new Map([
    ['Completed', c.green],
    ['Failed', c.red],
    ['Running', c.cyan],
    ['Pending', c.yellow],
  ]);
  const namespaces = new Set(watched.map((w) => w.namespace));
  return renderTable(
    [
      {
        header: '',
        value: (w) => marks[outcomeOf(w)],
        style: (text, w) => paints[outcomeOf(w)](text),
      },
      ...(namespaces.size > 1 ? [{ header: 'namespace', value: (w: Watched) => w.namespace }] : []),
      { header: 'name', value: (w) => w.name },
      {
        header: 'phase',
        value: (w) => (w.deleted ? 'Deleted' : phaseOf(w.object)),
        style: (text, w) => (w.deleted ? c.red : (phasePaints.get(text) ?? String))(text),
      },
      { header: 'engine', value: (w) => requestedEngine(w.object.spec) },
      { header: 'target', value: (w) => w.object.spec?.targetResource ?? '' },
      { header: 'elapsed', value: (w) => elapsedOf(w.object, now) },
      { header: 'reason', value: (w) => reasonOf(w.object), style: (text) => c.dim(text) },
    ],
    watched,
  );
}

/**
 * What a plain line reports: it is printed again only when this changes, so a pipe or a CI log
 * gets one line per step and not one per status write.
 */
export function milestoneOf(watched: Watched): string {
  return watched.deleted
    ? 'deleted'
    : `${phaseOf(watched.object)}|${reasonOf(watched.object)}|${watched.object.status?.executionRef?.name ?? ''}`;
}

/** The plain line for where an execution is now, escaped (`printableText`) as a whole. */
export function progressLine(watched: Watched, now: Date): string {
  return printableText(progressText(watched, now));
}

function progressText(watched: Watched, now: Date): string {
  const { object } = watched;
  const who = `${watched.namespace}/${watched.name}`;
  if (watched.deleted) return `${who}: deleted before it finished`;
  const phase = phaseOf(object);
  const reason = reasonOf(object);
  const detail = reason ? `: ${reason}: ${messageOf(object)}` : '';
  switch (phase) {
    case '-':
      return `${who}: waiting for the controller`;
    case 'Running': {
      const ref = object.status?.executionRef?.name;
      return `${who}: Running${ref ? ` (execution ${ref})` : ''}`;
    }
    case 'Completed':
    case 'Failed':
      return `${who}: ${phase} in ${elapsedOf(object, now)}${detail}`;
    default:
      return `${who}: ${phase}${detail}`;
  }
}

/** The closing line: how many completed and how many did not. */
export function summaryLine(watched: readonly Watched[]): string {
  const completed = watched.filter((w) => outcomeOf(w) === 'completed').length;
  return `${completed} completed, ${watched.length - completed} failed`;
}
