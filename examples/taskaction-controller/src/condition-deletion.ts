import { type Deletion, isTerminalActionPhase, phaseOf } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { type ActionEvent, abortedEvent } from './events.js';
import { isConditionAction, taskActionView } from './spec.js';

/**
 * The Aborted event of a condition deleted before it ended, as Flyte's actions service reports
 * a deleted action that was not terminal (its informer's delete handler). A condition holds no
 * finalizer, so the informer's delete is all there is to see of its deletion; a task's Aborted
 * is recorded by its finalizer. Undefined for a task, or a condition that had ended, and for a
 * deletion no watch saw (found by a relist): the condition may have ended unseen before it went,
 * and an Aborted would then contradict the outcome it reported.
 */
export function conditionDeletedEvent(
  object: KubeObject,
  deletion: Deletion,
  now: Date,
): ActionEvent | undefined {
  if (deletion.finalStateUnknown) return undefined;
  const view = taskActionView(object);
  if (!isConditionAction(view) || isTerminalActionPhase(phaseOf(view.status))) return undefined;
  return abortedEvent(view, now);
}
