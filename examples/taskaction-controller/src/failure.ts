import type { Failure } from '@roundhouse/controller';
import {
  AbortedError,
  ConfigurationError,
  type ExecutionResult,
  type FailureReason,
  printableText,
  RoundhouseError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';

/**
 * An attempt's execution resource as the cluster has it: `present` is the attempt's own,
 * `foreign` an object of another owner under its name; `unknown` for engines without one.
 */
export type ResourceState = 'absent' | 'present' | 'foreign' | 'deleting' | 'unknown';

/** What one look at an attempt's execution tells the controller. */
export type Observation =
  | {
      readonly kind: 'progress';
      readonly phase: 'Initializing' | 'Executing';
      readonly message: string;
    }
  | { readonly kind: 'succeeded'; readonly message: string }
  | { readonly kind: 'failed'; readonly failure: Failure };

/** Failure reasons that say the platform failed the task, not the task itself. */
const systemReasons: ReadonlySet<FailureReason> = new Set([
  'Forbidden',
  'ResourceExhausted',
  'ExecutionResourceDeleted',
  'Unknown',
]);

/**
 * Reads an attempt from its executor's result and its resource. A verdict (Completed, Failed)
 * stands even on a resource being deleted. Without one, a resource being deleted will never
 * give one, and must not pass for progress: the executor still reads it as running, and that
 * is how Flyte's executor livelocked (#8066).
 */
export function observe(unescaped: ExecutionResult | null, resource: ResourceState): Observation {
  const result = unescaped && { ...unescaped, message: reportedText(unescaped.message) };
  if (result?.phase === 'Completed') return { kind: 'succeeded', message: result.message };
  if (result?.phase === 'Failed') return { kind: 'failed', failure: resultFailure(result) };
  if (resource === 'deleting') {
    return systemFailure(
      'UnexpectedObjectDeletion',
      'the execution resource is being deleted while the attempt runs',
    );
  }
  if (result === null) {
    return systemFailure(
      'ResourceDeletedExternally',
      'the execution resource was deleted while the attempt ran',
    );
  }
  // An engine reports activity (pods running, finished) in its summary's reason.
  const phase = result.summary.reason ? 'Executing' : 'Initializing';
  return { kind: 'progress', phase, message: result.message };
}

/**
 * An engine's message as the status and the PermanentFailure Event quote it: it carries what the
 * attempt's container left in its termination log, the author's text, which someone else reads
 * in a terminal (`kubectl describe`, `kubectl get events`). Control and format characters are
 * written as escapes; line breaks and tabs stay, as an output's lines are made of them.
 */
function reportedText(message: string): string {
  return printableText(message, '\n\t');
}

function systemFailure(code: string, message: string): Observation {
  return { kind: 'failed', failure: { kind: 'SYSTEM', code, message, retryable: true } };
}

/** A finished attempt's failure: the engine's classification decides who it is for. */
export function resultFailure(result: ExecutionResult): Failure {
  const code = result.failureReason ?? 'Unknown';
  if (code === 'ConfigurationError') {
    return { kind: 'USER', code, message: result.message, retryable: false };
  }
  const kind = systemReasons.has(code) ? 'SYSTEM' : 'USER';
  return { kind, code, message: result.message, retryable: true };
}

/**
 * Why the engine could not launch an attempt or read its state, or undefined for errors the
 * workqueue's backoff should retry without touching the action's budgets (a busy or unreachable
 * API server, shutdown). A spec the engine or the API server rejects fails the action at once; a
 * refusal that may pass (no permission, a quota, the name still held) is a system failure, with
 * its backoff.
 */
export function engineCallFailure(error: unknown): Failure | undefined {
  if (!(error instanceof RoundhouseError) || error instanceof AbortedError) return undefined;
  const message = error.message;
  if (error instanceof ConfigurationError) {
    return { kind: 'USER', code: error.reason, message, retryable: false };
  }
  if (error instanceof KubernetesApiError) {
    if (error.reason === 'Invalid') {
      return { kind: 'USER', code: 'InvalidResource', message, retryable: false };
    }
    if (error.reason === 'BadRequest') {
      return { kind: 'USER', code: 'BadRequest', message, retryable: false };
    }
    // 413: the same object is refused again however often it is sent.
    if (error.statusCode === 413) {
      return { kind: 'USER', code: 'EntityTooLarge', message, retryable: false };
    }
    if (error.reason === 'Forbidden') {
      // Flyte's code for it; SYSTEM, so a quota that frees up is retried after a backoff.
      return { kind: 'SYSTEM', code: 'RuntimeFailure', message, retryable: true };
    }
    if (error.retryable) return undefined;
  }
  return { kind: 'SYSTEM', code: error.reason, message, retryable: true };
}
