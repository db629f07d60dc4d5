import { findCondition, setCondition } from '@roundhouse/controller';
import type { WorkflowExecutionStatus } from '@roundhouse/core';
import type { StatusView } from './resource.js';
import { statusMessage } from './status-message.js';

/**
 * The `Stalled` condition (kstatus's word for a controller that cannot make progress on an
 * object): True while the controller cannot act on the execution's resource at all, with the
 * error's reason and message, and False again once it can. Only a ConventionsMismatch stalls an
 * execution today: its resource was made under the other conventions preset, so nothing this
 * controller does moves it on until it runs under that preset again. The phase is left as it
 * is: the execution neither failed nor ended, and its run and lock are still there.
 */
export const stalledCondition = 'Stalled';

/** Stalled True for `reason`; undefined when it says that already. */
export function markStalled(
  wfe: StatusView,
  reason: string,
  message: string,
  now: Date,
): WorkflowExecutionStatus | undefined {
  const text = statusMessage(message);
  const current = findCondition(wfe.status?.conditions, stalledCondition);
  if (current?.status === 'True' && current.reason === reason && current.message === text)
    return undefined;
  return {
    ...wfe.status,
    conditions: setCondition(
      [...(wfe.status?.conditions ?? [])],
      {
        type: stalledCondition,
        status: 'True',
        reason,
        message: text,
        observedGeneration: wfe.metadata.generation ?? 0,
      },
      now,
    ),
  };
}

/**
 * `status` (a transition's result: the execution moved on) with a Stalled True condition set
 * False: whatever stalled it no longer does.
 */
export function unstalled(
  wfe: StatusView,
  status: WorkflowExecutionStatus | undefined,
  now: Date,
): WorkflowExecutionStatus | undefined {
  if (status === undefined) return undefined;
  if (findCondition(status.conditions, stalledCondition)?.status !== 'True') return status;
  return {
    ...status,
    conditions: setCondition(
      [...(status.conditions ?? [])],
      {
        type: stalledCondition,
        status: 'False',
        reason: 'Progressing',
        message: 'the controller acts on the execution again',
        observedGeneration: wfe.metadata.generation ?? 0,
      },
      now,
    ),
  };
}
