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

/** No controller took up watched executions: nothing has written their status. */
export class UnclaimedExecutionError extends RoundhouseError implements Fixable {
  readonly reason = 'NoController';
  readonly fix: string;

  constructor(executions: readonly { namespace: string; name: string }[], limitMs: number) {
    const within =
      limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${limitMs / 1000} s`;
    const namespaces = [...new Set(executions.map((e) => e.namespace))];
    const several = executions.length > 1;
    super(
      `no controller took up ${several ? `${executions.length} executions` : 'the execution'} within ${within} (no status was written): ${executions.map((e) => `${e.namespace}/${e.name}`).join(', ')}`,
    );
    this.fix = `check that the WorkflowExecution controller runs and watches namespace ${namespaces.join(', ')}; the execution${several ? 's stay' : ' stays'} and will run once one does (follow again with kubectl roundhouse watch)`;
  }
}
