import type { Condition } from '@roundhouse/core';
import { z } from 'zod';
import { findCondition, setCondition } from './conditions.js';

/**
 * The condition model of a run-to-completion action (Flyte's TaskAction): three condition
 * types instead of a phase string. `Progressing` is True while the action is on its way, with
 * the sub-state in its reason; `Succeeded` or `Failed` turns True once, when it ends, with how
 * it ended in the reason. The action's phase is that reason. A condition action (Flyte's human in
 * the loop) uses the same three: `Paused` while it waits for its signal, then `Signaled` or
 * `TimedOut`.
 */
export const actionConditionTypes = {
  progressing: 'Progressing',
  succeeded: 'Succeeded',
  failed: 'Failed',
} as const;

/** Reasons of `Progressing=True`. */
export const ProgressingPhaseSchema = z.enum([
  'Queued',
  'Initializing',
  'Executing',
  'RetryableFailure',
  'Paused',
]);

/** Reasons of `Succeeded=True`. */
export const SucceededPhaseSchema = z.enum(['Completed', 'Signaled']);

/** Reasons of `Failed=True`. */
export const FailedPhaseSchema = z.enum([
  'PermanentFailure',
  'Aborted',
  'InvalidSpec',
  'PluginNotFound',
  'TimedOut',
]);

export const ActionPhaseSchema = z.enum([
  ...ProgressingPhaseSchema.options,
  ...SucceededPhaseSchema.options,
  ...FailedPhaseSchema.options,
]);

export type ProgressingPhase = z.infer<typeof ProgressingPhaseSchema>;
export type FailedPhase = z.infer<typeof FailedPhaseSchema>;
export type ActionPhase = z.infer<typeof ActionPhaseSchema>;

export function isTerminalActionPhase(phase: ActionPhase | undefined): boolean {
  return phase !== undefined && !ProgressingPhaseSchema.safeParse(phase).success;
}

/**
 * The conditions for entering `phase`, as a new list: a progressing phase sets
 * `Progressing=True`; a success (`Completed`, `Signaled`) sets `Progressing=False` and
 * `Succeeded=True`; a failure sets `Progressing=False` and `Failed=True`. All carry `phase` as
 * their reason.
 */
export function setActionPhase(
  conditions: readonly Condition[] | undefined,
  phase: ActionPhase,
  message: string,
  at: { readonly now: Date; readonly observedGeneration?: number | undefined },
): Condition[] {
  const set = (list: readonly Condition[] | undefined, type: string, status: 'True' | 'False') =>
    setCondition(
      list,
      {
        type,
        status,
        reason: phase,
        message,
        ...(at.observedGeneration !== undefined
          ? { observedGeneration: at.observedGeneration }
          : {}),
      },
      at.now,
    );
  if (!isTerminalActionPhase(phase))
    return set(conditions, actionConditionTypes.progressing, 'True');
  const ended = set(conditions, actionConditionTypes.progressing, 'False');
  const outcome = SucceededPhaseSchema.safeParse(phase).success
    ? actionConditionTypes.succeeded
    : actionConditionTypes.failed;
  return set(ended, outcome, 'True');
}

/**
 * The phase the conditions record: the reason of a True `Succeeded` or `Failed`, else of a
 * True `Progressing`; undefined before the first phase, or when a reason is not a phase (a
 * status someone else wrote is not trusted).
 */
export function actionPhaseOf(
  conditions: readonly Condition[] | undefined,
): ActionPhase | undefined {
  const trueCondition = [
    actionConditionTypes.succeeded,
    actionConditionTypes.failed,
    actionConditionTypes.progressing,
  ]
    .map((type) => findCondition(conditions, type))
    .find((condition) => condition?.status === 'True');
  const parsed = ActionPhaseSchema.safeParse(trueCondition?.reason);
  return parsed.success ? parsed.data : undefined;
}

/** When the action ended: the lastTransitionTime of its True terminal condition. */
export function actionEndTime(conditions: readonly Condition[] | undefined): Date | undefined {
  for (const type of [actionConditionTypes.succeeded, actionConditionTypes.failed]) {
    const condition = findCondition(conditions, type);
    if (condition?.status !== 'True') continue;
    const time = Date.parse(condition.lastTransitionTime);
    return Number.isNaN(time) ? undefined : new Date(time);
  }
  return undefined;
}
