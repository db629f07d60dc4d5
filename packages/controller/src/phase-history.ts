import { formatKubeTime } from '@roundhouse/core';
import { z } from 'zod';

/** One entry of a phase history: which phase was entered, when, and why. */
export const PhaseTransitionSchema = z.object({
  phase: z.string().min(1),
  /** metav1.Time: RFC 3339 UTC in whole seconds. */
  occurredAt: z.string(),
  message: z.string().optional(),
});

export type PhaseTransition = z.infer<typeof PhaseTransitionSchema>;

/**
 * The most entries a history keeps: the first, and the latest after it. A status lives in one
 * etcd object, and an action relaunched many times would otherwise grow it until the API
 * server refused every status write.
 */
export const maxPhaseHistory = 50;

/**
 * The history with `phase` appended, as a new list. Conditions are replaced in place, so they
 * only tell the latest phase; the history keeps the timeline: the first entry and the latest
 * ones, {@link maxPhaseHistory} in all. A phase equal to the last entry is not appended (the
 * list comes back equal), so repeating a transition changes nothing.
 */
export function appendPhase(
  history: readonly PhaseTransition[] | undefined,
  phase: string,
  message: string,
  now: Date,
): PhaseTransition[] {
  const list = [...(history ?? [])];
  if (list.at(-1)?.phase === phase) return list;
  list.push({ phase, occurredAt: formatKubeTime(now), ...(message ? { message } : {}) });
  if (list.length > maxPhaseHistory) list.splice(1, list.length - maxPhaseHistory);
  return list;
}
