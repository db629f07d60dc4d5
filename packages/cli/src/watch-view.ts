import { printableText, requestedEngine } from '@roundhouse/core';
import { storedText } from './stored-text.js';
import { renderTable } from './table.js';
import type { Colors } from './terminal.js';
import { type Execution, elapsedOf, isTerminal, messageOf, phaseOf, reasonOf } from './views.js';

/** One execution under watch: as last seen, or deleted while watched. */
export interface Watched {
  readonly namespace: string;
  readonly name: string;
  readonly object: Execution;
  readonly deleted: boolean;
  /**
   * Deleted unseen (a relist no longer held it, or its name now belongs to another object):
   * `object` is the last state seen, not the one it was deleted in.
   */
  readonly finalStateUnknown?: boolean | undefined;
}

export type Outcome = 'running' | 'completed' | 'failed';

/**
 * Deleted before it was seen to finish counts as failed: it was never seen to complete. One
 * deleted after it ended keeps its outcome; a Completed or Failed phase never changes.
 */
export function outcomeOf(watched: Watched): Outcome {
  const phase = watched.object.status?.phase;
  if (phase === 'Completed') return 'completed';
  if (phase === 'Failed' || watched.deleted) return 'failed';
  return 'running';
}

/** Deleted before it was seen to end: its last phase seen is not how it ended. */
function vanished(watched: Watched): boolean {
  return watched.deleted && !isTerminal(watched.object);
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
        value: (w) => (vanished(w) ? 'Deleted' : phaseOf(w.object)),
        style: (text, w) => (vanished(w) ? c.red : (phasePaints.get(text) ?? String))(text),
      },
      { header: 'engine', value: (w) => requestedEngine(w.object.spec) },
      { header: 'target', value: (w) => w.object.spec?.targetResource ?? '' },
      { header: 'elapsed', value: (w) => elapsedOf(w.object, now) },
      {
        header: 'reason',
        value: (w) => (vanished(w) ? deletionOf(w) : reasonOf(w.object)),
        style: (text) => c.dim(text),
      },
    ],
    watched,
  );
}

/**
 * What a plain line reports: it is printed again only when this changes, so a pipe or a CI log
 * gets one line per step and not one per status write.
 */
export function milestoneOf(watched: Watched): string {
  return vanished(watched)
    ? 'deleted'
    : `${phaseOf(watched.object)}|${reasonOf(watched.object)}|${storedText(watched.object.status?.executionRef?.name)}`;
}

/** The plain line for where an execution is now, escaped (`printableText`) as a whole. */
export function progressLine(watched: Watched, now: Date): string {
  return printableText(progressText(watched, now));
}

function progressText(watched: Watched, now: Date): string {
  const { object } = watched;
  const who = `${watched.namespace}/${watched.name}`;
  if (vanished(watched)) return `${who}: ${deletionOf(watched)}`;
  const phase = phaseOf(object);
  const reason = reasonOf(object);
  const detail = reason ? `: ${reason}: ${messageOf(object)}` : '';
  switch (phase) {
    case '-':
      return `${who}: waiting for the controller`;
    case 'Running': {
      const ref = storedText(object.status?.executionRef?.name);
      return `${who}: Running${ref ? ` (execution ${ref})` : ''}`;
    }
    case 'Completed':
    case 'Failed':
      return `${who}: ${phase} in ${elapsedOf(object, now)}${detail}`;
    default:
      return `${who}: ${phase}${detail}`;
  }
}

/**
 * What is known of a deletion: a delete the watch saw came before the end; one it did not see
 * may have come after the execution ended, so its last phase seen is not claimed.
 */
function deletionOf(watched: Watched): string {
  if (!watched.finalStateUnknown) return 'deleted before it finished';
  const phase = phaseOf(watched.object);
  return `deleted, final state not seen (last seen ${phase === '-' ? 'with no status' : phase})`;
}

/** The closing line: how many completed and how many did not. */
export function summaryLine(watched: readonly Watched[]): string {
  const completed = watched.filter((w) => outcomeOf(w) === 'completed').length;
  return `${completed} completed, ${watched.length - completed} failed`;
}
