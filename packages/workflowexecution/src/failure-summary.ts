import { type FailureReason, printableText } from '@roundhouse/core';

/**
 * kubernaut's `Recommendation:` lines, word for word (GenerateNaturalLanguageSummary): readers
 * of its summaries, people and LLMs alike, look for them. Other reasons have none, as there.
 */
const recommendations: Partial<Record<FailureReason, string>> = {
  OOMKilled: 'The workflow task ran out of memory. Consider increasing task resource limits.',
  Forbidden:
    'The service account lacks required RBAC permissions. Grant appropriate permissions or use an alternative workflow.',
  DeadlineExceeded:
    'The workflow exceeded its timeout. Consider increasing the timeout or using a faster workflow variant.',
  ImagePullBackOff:
    'Unable to pull the workflow container image. Verify image exists and credentials are configured.',
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
 * for an LLM planning the next attempt, in kubernaut's format: every line ends with a newline.
 * An execution whose spec was refused has no workflow or target that passed validation, and
 * its summary names none rather than echo unchecked input. The workflow id is the author's free
 * text, kept to its line: a line break in it would forge a `Recommendation:` line of its own.
 */
export function failureSummary(facts: FailureFacts): string {
  const what =
    facts.workflowId !== undefined && facts.targetResource !== undefined
      ? `Workflow '${printableText(facts.workflowId)}' failed on target '${facts.targetResource}'.`
      : 'The workflow execution failed.';
  const recommendation = recommendations[facts.reason];
  return [
    what,
    `Reason: ${facts.reason}`,
    ...(facts.message ? [`Error: ${facts.message}`] : []),
    ...(facts.ranFor ? [`Failed after: ${facts.ranFor}`] : []),
    ...(recommendation ? [`Recommendation: ${recommendation}`] : []),
  ]
    .map((line) => `${line}\n`)
    .join('');
}
