import { formatKubeTime, printableText } from '@roundhouse/core';
import { z } from 'zod';
import { isTerminalActionPhase } from './action-phase.js';
import {
  type ActionStatus,
  ActionStatusSchema,
  enterPhase,
  phaseOf,
  type TransitionAt,
} from './action-status.js';

/**
 * A condition action (Flyte's human in the loop) runs nothing: it is `Paused` until someone
 * writes its signal into the status, then `Signaled`; without a signal by its deadline it is
 * `TimedOut`. The signaller writes only these fields and the controller only the others, so
 * neither can erase what the other wrote.
 */
export const SignalStatusSchema = z.object({
  /** The answer, as text in the condition's declared type; immutable once set. */
  signalValue: z.string().max(4096).optional(),
  /** Who signalled: a user or service name, for the record. */
  signalledBy: z.string().max(256).optional(),
  /** When, RFC 3339. */
  signalledAt: z.string().max(64).optional(),
});

/** An action status with the signal fields: embed it instead of `ActionStatusSchema`. */
export const ConditionActionStatusSchema = ActionStatusSchema.extend(SignalStatusSchema.shape);

export type SignalStatus = z.infer<typeof SignalStatusSchema>;
export type ConditionActionStatus = z.infer<typeof ConditionActionStatusSchema>;

/** Flyte's `errorState.code` of a condition that passed its deadline without a signal. */
export const conditionTimedOutCode = 'ConditionTimedOut';

/** When an unsignalled condition created at `createdAt` times out; undefined: it waits forever. */
export function conditionDeadline(
  createdAt: string | undefined,
  timeoutMs: number | undefined,
): Date | undefined {
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (timeoutMs === undefined || timeoutMs <= 0 || Number.isNaN(created)) return undefined;
  return new Date(created + timeoutMs);
}

/**
 * The next status of a condition action, or undefined when it stays as it is: a signal ends it
 * as `Signaled` (even past the deadline, as long as no timeout was written first); else the
 * deadline passed ends it as `TimedOut`; else a new one is `Paused`. A finished one never
 * changes.
 */
export function advanceCondition(
  status: ConditionActionStatus,
  deadline: Date | undefined,
  at: TransitionAt,
): ActionStatus | undefined {
  const phase = phaseOf(status);
  if (isTerminalActionPhase(phase)) return undefined;
  if (status.signalValue !== undefined) {
    // The signaller's free text, bounded by length only, lands in conditions and phase history
    // that `kubectl describe` prints: its control and format characters must not reach a terminal.
    const by = status.signalledBy ? ` by "${printableText(status.signalledBy)}"` : '';
    return enterPhase(status, 'Signaled', `condition signalled${by}`, at, {});
  }
  if (deadline !== undefined && at.now.getTime() >= deadline.getTime()) {
    const message = `no signal by ${formatKubeTime(deadline)}`;
    return enterPhase(status, 'TimedOut', message, at, {
      errorState: { code: conditionTimedOutCode, kind: 'USER', message },
    });
  }
  if (phase === undefined) return enterPhase(status, 'Paused', 'waiting for signal', at, {});
  return undefined;
}

/**
 * How long until the controller must look at a waiting condition again: exactly at its
 * deadline, since a signal arrives as a change to the object. Undefined when nothing is due.
 * Never 0, which a controller reads as no requeue: a deadline that passed between the judgement
 * and this clock reading still needs the look that times the condition out.
 */
export function conditionRequeueMs(
  status: ConditionActionStatus,
  deadline: Date | undefined,
  now: Date,
): number | undefined {
  if (deadline === undefined || isTerminalActionPhase(phaseOf(status))) return undefined;
  return Math.max(1, deadline.getTime() - now.getTime());
}

/** Why a signal is refused: the condition took another one already, or it has ended. */
export type SignalRejection = 'AlreadySignalled' | 'ConditionEnded';

export type SignalVerdict =
  | { readonly verdict: 'write' }
  /** The same value is there already: signalling again changes nothing. */
  | { readonly verdict: 'unchanged' }
  | { readonly verdict: 'reject'; readonly reason: SignalRejection; readonly message: string };

/** What signalling `value` to a condition in `status` does (Flyte's Signal RPC's checks). */
export function judgeSignal(status: ConditionActionStatus, value: string): SignalVerdict {
  if (status.signalValue !== undefined) {
    return status.signalValue === value
      ? { verdict: 'unchanged' }
      : {
          verdict: 'reject',
          reason: 'AlreadySignalled',
          message: 'the condition was already signalled with a different value',
        };
  }
  const phase = phaseOf(status);
  if (isTerminalActionPhase(phase)) {
    return {
      verdict: 'reject',
      reason: 'ConditionEnded',
      message: `the condition has ended (${phase}) and takes no signal`,
    };
  }
  return { verdict: 'write' };
}
