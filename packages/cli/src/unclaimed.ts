import { RoundhouseError } from '@roundhouse/core';
import type { Fixable } from './errors.js';

/**
 * How long a follow waits for a controller to write the first status of what it follows (a
 * WorkflowExecution, a TaskRun). A controller writes one as soon as it takes the object up, even
 * one held back by a lock or a cooldown; without a controller nothing ever does, and the follow
 * would wait for ever (a CI job until its own timeout). Five minutes leaves room for a
 * controller's restart and a leader's failover.
 */
export const unclaimedLimitMs = 5 * 60_000;

/** How often a follow looks for what has gone unclaimed: soon enough after the limit. */
export const unclaimedCheckMs = (limitMs: number) => Math.min(limitMs / 4, 10_000);

/** A kind of object a controller takes up, as the error about a missing one names it. */
export interface ClaimedKind {
  /** The kind, which names its controller too. */
  readonly kind: string;
  /** One of them in a sentence, and several. */
  readonly one: string;
  readonly several: string;
  /** The command that follows them again once a controller runs. */
  readonly followAgain: (names: readonly string[]) => string;
}

export const workflowExecutionKind: ClaimedKind = {
  kind: 'WorkflowExecution',
  one: 'execution',
  several: 'executions',
  followAgain: () => 'kubectl roundhouse watch',
};

export const taskRunKind: ClaimedKind = {
  kind: 'TaskRun',
  one: 'TaskRun',
  several: 'TaskRuns',
  // `taskrun logs` follows one run at a time.
  followAgain: (names) => names.map((n) => `kubectl roundhouse taskrun logs -f ${n}`).join(', '),
};

/**
 * No controller took up followed objects: nothing has written their status. "Execution" in the
 * widest sense: a TaskRun is one too.
 */
export class UnclaimedExecutionError extends RoundhouseError implements Fixable {
  readonly reason = 'NoController';
  readonly fix: string;

  constructor(
    objects: readonly { namespace: string; name: string }[],
    limitMs: number,
    kind: ClaimedKind = workflowExecutionKind,
  ) {
    const within =
      limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${limitMs / 1000} s`;
    const namespaces = [...new Set(objects.map((o) => o.namespace))];
    const several = objects.length > 1;
    super(
      `no controller took up ${several ? `${objects.length} ${kind.several}` : `the ${kind.one}`} within ${within} (no status was written): ${objects.map((o) => `${o.namespace}/${o.name}`).join(', ')}`,
    );
    const names = objects.map((o) => o.name);
    this.fix = `check that the ${kind.kind} controller runs and watches namespace ${namespaces.join(', ')}; the ${several ? `${kind.several} stay` : `${kind.one} stays`} and will run once one does (follow again with ${kind.followAgain(names)})`;
  }
}
