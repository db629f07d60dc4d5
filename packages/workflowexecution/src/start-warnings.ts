import {
  type ConditionWarning,
  type CreateWarning,
  conditionWarningOf,
  warningText,
} from '@roundhouse/core';
import { stalledCondition } from './stalled.js';
import { conditionTypes } from './status.js';

/** The conditions the controller writes itself, which no engine's warning may take over. */
const ownConditionTypes: ReadonlySet<string> = new Set([
  ...Object.values(conditionTypes),
  stalledCondition,
]);

/** What a create warned of: conditions to set True, and warnings told in words only. */
export interface StartWarnings {
  readonly conditions: readonly ConditionWarning[];
  readonly words: readonly string[];
}

/**
 * Splits a create's warnings into the conditions the Running write sets (kubernaut's
 * finalizePendingToRunning sets one per `Warning`) and the words an Event tells. A condition
 * warning the API server would refuse, or one naming a condition of the controller's own (Ready
 * set True by an engine would say the execution finished), is told in words instead, so no
 * engine can fail the Running write or misstate the execution's state.
 */
export function startWarnings(warnings: readonly CreateWarning[]): StartWarnings {
  const conditions: ConditionWarning[] = [];
  const words: string[] = [];
  for (const warning of warnings) {
    const condition = conditionWarningOf(warning);
    if (condition && !ownConditionTypes.has(condition.type)) conditions.push(condition);
    else words.push(warningText(warning));
  }
  return { conditions, words };
}
