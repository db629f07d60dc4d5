import { type Condition, formatKubeTime } from '@roundhouse/core';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'> & {
  lastTransitionTime?: string | undefined;
};

/**
 * Sets a metav1.Condition, as apimachinery's `meta.SetStatusCondition`: a new type is appended;
 * an existing one takes the new reason, message and observedGeneration and keeps its
 * lastTransitionTime unless its status changes. Returns a new list; the input is not modified.
 * A list whose condition did not change comes back equal, so a status write can be skipped.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: ConditionInput,
  now: Date = new Date(),
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === condition.type);
  const lastTransitionTime =
    existing && existing.status === condition.status
      ? existing.lastTransitionTime
      : (condition.lastTransitionTime ?? formatKubeTime(now));
  const next: Condition = {
    type: condition.type,
    status: condition.status,
    reason: condition.reason,
    message: condition.message,
    lastTransitionTime,
    ...(condition.observedGeneration !== undefined
      ? { observedGeneration: condition.observedGeneration }
      : {}),
  };
  if (!existing) return [...list, next];
  return list.map((c) => (c === existing ? next : c));
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The list without conditions of `type`; a new list. */
export function removeCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function isConditionTrue(
  conditions: readonly Condition[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
