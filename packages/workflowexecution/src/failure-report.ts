/*
 * A failure as the controller reports it, and kubernaut's words for it in the conditions and
 * the WorkflowFailed Event: tools and tests match on them.
 */
import { type ExecutionResult, type FailureReason, printableText } from '@roundhouse/core';
import type { StatusView } from './resource.js';

export interface Failure {
  readonly reason: FailureReason;
  readonly message: string;
  /** False when the workflow never ran (bad input, lock, engine missing, resource deleted). */
  readonly wasExecutionFailure: boolean;
  readonly result?: ExecutionResult | undefined;
  /** The workflow and target the summary names, when the execution's spec is valid. */
  readonly subject?: { readonly workflowId: string; readonly targetResource: string } | undefined;
  /** The execution holding the target, for a `Deduplicated` failure (`status.deduplicatedBy`). */
  readonly deduplicatedBy?: string | undefined;
}

/**
 * ExecutionComplete's message for an execution that failed once started, kubernaut's
 * (resolveMarkFailedDetails): its fixed words for a timeout and an OOM kill, whatever the
 * engine; the failure's own message otherwise (failureDetails.message keeps it in every case).
 */
export function completeFailedMessage(failure: Pick<Failure, 'reason' | 'message'>): string {
  if (failure.reason === 'DeadlineExceeded') return 'Pipeline exceeded timeout deadline';
  if (failure.reason === 'OOMKilled') return 'Pipeline task killed due to out of memory';
  return failure.message;
}

/**
 * ExecutionCreated's message for an execution that failed before it started, kubernaut's
 * (MarkFailedWithReason, MarkFailedAsDeduplicated). kubernaut says `PipelineRun` for every
 * engine, the Job and ansible ones too, and tools match on it, so it is said here too.
 */
export function creationFailedMessage(
  failure: Pick<Failure, 'message' | 'deduplicatedBy'>,
): string {
  return failure.deduplicatedBy
    ? `Execution resource collision (deduplicated by ${failure.deduplicatedBy})`
    : `Failed to create PipelineRun: ${failure.message}`;
}

/**
 * Whether a failure ended an execution that had started. Before anything was created only its
 * creation failed, as kubernaut reports it; once the execution resource existed, it is the
 * execution that completed unsuccessfully.
 */
export function failedAfterStart(wfe: StatusView, failure: Failure): boolean {
  return failure.wasExecutionFailure || wfe.status?.phase === 'Running';
}

/**
 * The WorkflowFailed Event's message, in kubernaut's words: `Workflow <id> failed: <reason> -
 * <message>` once started (MarkFailed), `Pre-execution failure: <reason> - <message>` before
 * (MarkFailedWithReason), and its own for a target another execution holds.
 */
export function failedEventMessage(wfe: StatusView, failure: Failure, workflowId: string): string {
  if (failedAfterStart(wfe, failure)) {
    // The id is the author's free text: one line, so it cannot pass for another Event's.
    return `Workflow ${printableText(workflowId)} failed: ${failure.reason} - ${failure.message || 'no additional details'}`;
  }
  if (failure.deduplicatedBy) {
    return `Deduplicated: execution resource collision with ${failure.deduplicatedBy}`;
  }
  return `Pre-execution failure: ${failure.reason} - ${failure.message}`;
}
