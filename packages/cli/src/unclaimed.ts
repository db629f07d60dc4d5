import { RoundhouseError } from '@roundhouse/core';
import type { Fixable } from './errors.js';

/**
 * How long a watch waits for a controller to write the first status of an execution. A
 * controller writes one as soon as it takes an execution up, even one held back by a lock or a
 * cooldown; without a controller nothing ever does, and the watch would wait for ever (a CI
 * job until its own timeout). Five minutes leaves room for a controller's restart and a
 * leader's failover.
 */
export const unclaimedLimitMs = 5 * 60_000;

/** No controller took up a watched execution: nothing has written its status. */
export class UnclaimedExecutionError extends RoundhouseError implements Fixable {
  readonly reason = 'NoController';
  readonly fix: string;

  constructor(namespace: string, names: readonly string[], limitMs: number) {
    const minutes =
      limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${limitMs / 1000} s`;
    super(
      `no controller took up ${names.length > 1 ? `${names.length} executions` : 'the execution'} in namespace ${namespace} within ${minutes} (no status was written): ${names.join(', ')}`,
    );
    this.fix = `check that the WorkflowExecution controller runs and watches namespace ${namespace}; the execution${names.length > 1 ? 's stay' : ' stays'} and will run once one does (follow again with kubectl roundhouse watch -n ${namespace})`;
  }
}
