import { parseGoDuration, RoundhouseError } from '@roundhouse/core';
import type { Fixable } from './errors.js';
import { storedTime } from './stored-text.js';
import type { Execution } from './views.js';

/**
 * When a started execution's spec says it must have ended: the earlier of `spec.timesOutAt`
 * and its start plus `spec.executionConfig.timeout`, in epoch milliseconds. Undefined before
 * its start or without either (the controller's default timeout is one of its flags, which
 * the CLI cannot read), and for values it cannot read: no deadline is better than a wrong one.
 */
export function deadlineOf(execution: Execution): number | undefined {
  const started = storedTime(execution.status?.startTime);
  if (started === undefined) return undefined;
  const timeout = execution.spec?.executionConfig?.timeout;
  const timeoutMs = typeof timeout === 'string' ? parseGoDuration(timeout) : undefined;
  const candidates = [
    storedTime(execution.spec?.timesOutAt),
    timeoutMs !== undefined && timeoutMs > 0 ? started + timeoutMs : undefined,
  ].filter((at) => at !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/**
 * Whether a follow should stop waiting for an execution that is still not over at `now`: past
 * its deadline a running controller stops it and writes Failed within seconds; one whose
 * controller died after writing a status never changes again, and without this the follow
 * would wait for ever. `limitMs` past the deadline leaves room for a restart, a leader's
 * failover and clocks that disagree.
 */
export function isAbandoned(execution: Execution, now: number, limitMs: number): boolean {
  const deadline = deadlineOf(execution);
  return deadline !== undefined && now - deadline >= limitMs;
}

/** Executions still not over well past their deadline: no controller is ending them. */
export class AbandonedExecutionError extends RoundhouseError implements Fixable {
  readonly reason = 'NoController';
  readonly fix: string;

  constructor(executions: readonly Execution[], limitMs: number) {
    const within =
      limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${limitMs / 1000} s`;
    const several = executions.length > 1;
    const listed = executions.map((e) => {
      const deadline = deadlineOf(e);
      const at = deadline === undefined ? '' : ` (deadline ${new Date(deadline).toISOString()})`;
      return `${e.metadata.namespace}/${e.metadata.name}${at}`;
    });
    super(
      `no controller ended ${several ? `${executions.length} executions` : 'the execution'} within ${within} of ${several ? 'their deadlines' : 'its deadline'}: ${listed.join(', ')}`,
    );
    const namespaces = [...new Set(executions.map((e) => e.metadata.namespace))];
    this.fix = `check that the WorkflowExecution controller runs and watches namespace ${namespaces.join(', ')}; once one does it stops ${several ? 'them' : 'it'} as DeadlineExceeded (follow again with kubectl roundhouse watch)`;
  }
}
