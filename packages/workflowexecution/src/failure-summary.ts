import type { FailureReason } from '@roundhouse/core';

/**
 * What to try next, by failure reason, written as kubernaut's `Recommendation:` line (readers of
 * its summaries look for it); a reason without a clear next step has none.
 */
const nextSteps: Partial<Record<FailureReason, string>> = {
  OOMKilled: 'raise the memory limit of the workflow container, or make it need less memory',
  DeadlineExceeded:
    'raise spec.executionConfig.timeout (or spec.timesOutAt), or find what the workflow waited on',
  Forbidden:
    "grant the workflow's ServiceAccount the RBAC permissions it needs, or allow what the policy refused",
  ResourceExhausted: 'free or raise the quota of the execution namespace',
  ImagePullBackOff: 'check the execution bundle reference and the pull secret of its registry',
  ConfigurationError: 'correct the field the message names and create the execution again',
  TaskFailed: "read the workflow's output for the error it reported",
  Deduplicated: 'wait for the execution holding the target to finish, then try again',
  ResourceLocked: 'wait for the execution holding the target to finish, then try again',
  ExecutionResourceDeleted: 'find who deleted the execution resource, then try again',
};

export interface FailureFacts {
  readonly reason: FailureReason;
  readonly message: string;
  /** A Go duration, once the workflow started. */
  readonly ranFor?: string | undefined;
  readonly workflowId?: string | undefined;
  readonly targetResource?: string | undefined;
}

/**
 * `failureDetails.naturalLanguageSummary`: the failure in a few lines (what failed on which
 * target, why, after how long, and what to try next), for people reading a notification and
 * for an LLM planning the next attempt, as kubernaut writes it.
 */
export function failureSummary(facts: FailureFacts): string {
  const what =
    facts.workflowId !== undefined && facts.targetResource !== undefined
      ? `Workflow '${facts.workflowId}' failed on target '${facts.targetResource}'.`
      : 'The workflow execution failed.';
  const next = nextSteps[facts.reason];
  return [
    what,
    `Reason: ${facts.reason}`,
    ...(facts.message ? [`Error: ${facts.message}`] : []),
    ...(facts.ranFor ? [`Failed after: ${facts.ranFor}`] : []),
    ...(next ? [`Recommendation: ${next}.`] : []),
  ].join('\n');
}
