import type { FailureReason } from '@roundhouse/core';

/**
 * The reasons of kubernaut's conditions: tools written for kubernaut's WorkflowExecutions read
 * these. The classified failure is `failureDetails.reason`; a condition carries kubernaut's
 * coarser reason for it.
 */
export const conditionReasons = {
  ready: 'Ready',
  notReady: 'NotReady',
  created: 'ExecutionCreated',
  creationFailed: 'ExecutionCreationFailed',
  started: 'ExecutionStarted',
  succeeded: 'ExecutionSucceeded',
  failed: 'ExecutionFailed',
} as const;

/** The ExecutionComplete reason of an execution that failed once started. */
export function completeFailedReason(reason: FailureReason): string {
  return reason === 'TaskFailed' || reason === 'DeadlineExceeded' || reason === 'OOMKilled'
    ? reason
    : conditionReasons.failed;
}
