import { z } from 'zod';
import { freeTextMaxLength } from './field-bounds.js';

/*
 * A warning an engine returns from a create (`CreateResult.warnings`) that names a condition:
 * kubernaut's executors return `Warning{Type, Reason, Message}` (TokenTTLInsufficient /
 * TokenTTLShortened when the API server grants a token shorter than the execution may run), and
 * its controller writes each as a True status condition and a Warning Event with that reason.
 * A plain string is a warning too, told in words only; engines written before keep returning
 * those.
 */

/** metav1.Condition's `type` (a CamelCase name, optionally under a DNS prefix). */
const conditionTypePattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
/** metav1.Condition's `reason`, which an Event's reason also is here. */
const conditionReasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/**
 * Bounded as metav1.Condition is (kubernaut's CRD validates its conditions so), so a warning
 * written as a condition never makes the API server refuse the status write that carries it.
 */
export const ConditionWarningSchema = z.object({
  /** The condition's type, set True (kubernaut: `TokenTTLInsufficient`). */
  type: z.string().max(316).regex(conditionTypePattern),
  /** The condition's reason and the Warning Event's (kubernaut: `TokenTTLShortened`). */
  reason: z.string().max(1024).regex(conditionReasonPattern),
  message: z.string().max(freeTextMaxLength),
});
export type ConditionWarning = z.infer<typeof ConditionWarningSchema>;

/** What a create may warn of: words, or a condition to set (see `ConditionWarningSchema`). */
export type CreateWarning = string | ConditionWarning;

/**
 * The warning as a condition, or undefined for a plain one and for one whose type or reason the
 * API server would refuse in a condition (an engine not typed against this schema): a caller
 * tells those in words (`warningText`) rather than fail the write that would carry them.
 */
export function conditionWarningOf(warning: CreateWarning): ConditionWarning | undefined {
  if (typeof warning === 'string') return undefined;
  const parsed = ConditionWarningSchema.safeParse(warning);
  return parsed.success ? parsed.data : undefined;
}

/** The warning in words: a plain one as it is, a condition's as `reason: message`. */
export function warningText(warning: CreateWarning): string {
  return typeof warning === 'string' ? warning : `${warning.reason}: ${warning.message}`;
}
