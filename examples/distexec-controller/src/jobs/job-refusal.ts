import { formatKubeTime, QuotaExceededError, RoundhouseError } from '@roundhouse/core';
import { isKubernetesError, withoutQuotaUsage } from '@roundhouse/kube';
import type { Observation } from '../plan.js';
import type { NodeResult } from '../spec.js';

/**
 * The reason of a node whose Job the API server refused: Running while it is created again
 * with backoff, Failed once the attempt's deadline passed with no Job.
 */
export const jobRefused = 'JobRefused';

/**
 * Whether a Job create failed because the API server refused it (403: a ResourceQuota's
 * admission, which the executor reports as QuotaExceededError, or a permission this controller
 * lacks), not because it could not be reached.
 */
export function isJobRefusal(error: unknown): boolean {
  return error instanceof QuotaExceededError || isKubernetesError(error, 'Forbidden');
}

/**
 * A refusal as a DistExec's entry quotes it. An exceeded quota's answer names the quota and the
 * resources it ran out of, not its `used` and `limited` figures (`withoutQuotaUsage`): the
 * execution namespace is shared, so they count every tenant's Jobs, which a DistExec's author has
 * no business seeing. The Status carries nothing of the refusal but this text (its details name
 * only the Job).
 */
export function refusalText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // A QuotaExceededError's message is quoted without the figures already.
  if (error instanceof QuotaExceededError) return message;
  return isJobRefusal(error) ? withoutQuotaUsage(message) : message;
}

/**
 * The entry of a node whose Job for `attempt` the API server refused, with the server's
 * message. The attempt's clock starts at its first refusal and is kept over the creates that
 * follow, so its deadline ends the waiting.
 */
export function refusedJobEntry(
  generation: number,
  attempt: number,
  message: string,
  now: Date,
  previous: NodeResult | undefined,
): NodeResult {
  const waiting =
    previous?.phase === 'Running' &&
    previous.reason === jobRefused &&
    previous.observedGeneration === generation &&
    previous.attempts === attempt;
  return {
    phase: 'Running',
    reason: jobRefused,
    message,
    startedAt: (waiting && previous.startedAt) || formatKubeTime(now),
    attempts: attempt,
    observedGeneration: generation,
  };
}

/**
 * What a node whose entry says its Job was refused has to go on when no Job is found: its
 * attempt is begun again until its deadline (`timeoutSeconds` from the first refusal), then it
 * ends `JobRefused` with the last refusal, as a Job with no room in time ends at its deadline.
 */
export function refusedJobObservation(
  entry: NodeResult,
  timeoutSeconds: number,
  now: Date,
): Observation {
  const since = Date.parse(entry.startedAt ?? '');
  if (!(now.getTime() - since >= timeoutSeconds * 1000)) return { kind: 'unstarted' };
  return {
    kind: 'finished',
    outcome: {
      succeeded: false,
      reason: jobRefused,
      message: `no Job could be created for attempt ${entry.attempts} within its deadline (${timeoutSeconds}s); the API server's last answer: ${entry.message ?? ''}`,
      startedAt: entry.startedAt,
    },
  };
}

/**
 * The API server refused some of a DistExec's Jobs: their nodes' entries say so, and the
 * reconcile is retried with backoff, as room may free up without anyone changing anything.
 */
export class JobsRefusedError extends RoundhouseError {
  readonly reason = 'JobsRefused';
  override readonly retryable = true;

  constructor(
    readonly distExec: string,
    readonly nodes: number,
    cause: unknown,
  ) {
    super(`the API server refused the Jobs of DistExec ${distExec} on ${nodes} node(s)`, {
      cause,
    });
  }
}
