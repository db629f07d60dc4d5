import { ConditionSchema, formatKubeMicroTime } from '@roundhouse/core';
import { z } from 'zod';
import {
  type ActionPhase,
  actionPhaseOf,
  type FailedPhase,
  isTerminalActionPhase,
  setActionPhase,
} from './action-phase.js';
import { type ErrorKind, ErrorStateSchema } from './error-state.js';
import { appendPhase, PhaseTransitionSchema } from './phase-history.js';
import { type Failure, judgeFailure, type RetryPolicy } from './retry-budget.js';

/**
 * The status of a run-to-completion action: the Progressing/Succeeded/Failed conditions, an
 * append-only phase history, the last failure, and the two retry budgets' counters. Embed it
 * in a custom resource's status schema; the functions below are its only writers.
 */
export const ActionStatusSchema = z.object({
  observedGeneration: z.number().int().nonnegative().optional(),
  conditions: z.array(ConditionSchema).optional(),
  phaseHistory: z.array(PhaseTransitionSchema).optional(),
  /** The last failure: of a failed attempt, of a system failure, or why the action failed. */
  errorState: ErrorStateSchema.optional(),
  /** The current attempt, counted from 1 as Flyte's `attempts`. */
  attempts: z.number().int().positive().optional(),
  /** System failures in a row; reset only when the execution is seen running or finishing. */
  systemFailures: z.number().int().nonnegative().optional(),
  /** Relaunches after a system failure over the action's life; never reset. */
  relaunches: z.number().int().nonnegative().optional(),
  /** After a system failure, the relaunch waits until this time (a backoff that survives restarts). */
  retryAfter: z.string().optional(),
});

export type ActionStatus = z.infer<typeof ActionStatusSchema>;

/** When a transition happens, and the generation of the spec it acted on. */
export interface TransitionAt {
  readonly now: Date;
  readonly generation?: number | undefined;
}

/** What the controller should do next for an action in this status. */
export type ActionStep =
  | { readonly step: 'queue' }
  | { readonly step: 'launch' }
  | { readonly step: 'observe' }
  /** Abort the failed attempt's execution, then `markRelaunched`. */
  | { readonly step: 'relaunch'; readonly kind: ErrorKind }
  | { readonly step: 'wait'; readonly ms: number }
  | { readonly step: 'done' };

export function phaseOf(status: ActionStatus | undefined): ActionPhase | undefined {
  return actionPhaseOf(status?.conditions);
}

/** The current attempt, counted from 1. */
export function attemptsOf(status: ActionStatus | undefined): number {
  return status?.attempts ?? 1;
}

export function nextStep(status: ActionStatus | undefined, now: Date): ActionStep {
  const phase = phaseOf(status);
  if (phase === undefined) return { step: 'queue' };
  if (isTerminalActionPhase(phase)) return { step: 'done' };
  if (phase === 'Queued') return { step: 'launch' };
  if (phase !== 'RetryableFailure') return { step: 'observe' };
  const retryAt = status?.retryAfter ? Date.parse(status.retryAfter) : Number.NaN;
  if (retryAt > now.getTime()) return { step: 'wait', ms: retryAt - now.getTime() };
  return { step: 'relaunch', kind: status?.errorState?.kind ?? 'SYSTEM' };
}

/**
 * `status` having entered `phase`: its conditions and history say so and `changes` apply. Every
 * transition of an action, task or condition, goes through here.
 */
export function enterPhase(
  status: ActionStatus,
  phase: ActionPhase,
  message: string,
  at: TransitionAt,
  changes: Partial<ActionStatus>,
): ActionStatus {
  const { retryAfter: _, ...rest } = status;
  return {
    ...rest,
    ...changes,
    ...(at.generation !== undefined ? { observedGeneration: at.generation } : {}),
    conditions: setActionPhase(status.conditions, phase, message, {
      now: at.now,
      observedGeneration: at.generation,
    }),
    phaseHistory: appendPhase(status.phaseHistory, phase, message, at.now),
  };
}

/** The first phase of a new action: Queued for attempt 1. Undefined once it has a phase. */
export function markQueued(status: ActionStatus, at: TransitionAt): ActionStatus | undefined {
  if (phaseOf(status) !== undefined) return undefined;
  return enterPhase(status, 'Queued', 'waiting to launch attempt 1', at, {
    attempts: 1,
    systemFailures: 0,
  });
}

/**
 * Queued -> Initializing once the controller created the attempt's execution. The controller
 * made this step, not the execution, so it keeps the system-failure count.
 */
export function markLaunched(
  status: ActionStatus,
  message: string,
  at: TransitionAt,
): ActionStatus | undefined {
  if (phaseOf(status) !== 'Queued') return undefined;
  return enterPhase(status, 'Initializing', message, at, {});
}

const progressRank: Partial<Record<ActionPhase, number>> = {
  Queued: 0,
  Initializing: 1,
  Executing: 2,
};

/**
 * Progress seen on the execution itself; never backwards within an attempt. `Executing` is the
 * execution running, the evidence that ends a run of system failures: it resets the count. A
 * relaunch, a create or a resource that merely exists resets nothing, so a loop of system
 * failures cannot clear its own count (Flyte #8066).
 */
export function markProgress(
  status: ActionStatus,
  phase: 'Initializing' | 'Executing',
  message: string,
  at: TransitionAt,
): ActionStatus | undefined {
  const current = phaseOf(status);
  const rank = current === undefined ? undefined : progressRank[current];
  if (rank === undefined || rank > (progressRank[phase] as number)) return undefined;
  const reset = phase === 'Executing' && (status.systemFailures ?? 0) > 0;
  if (current === phase && !reset) return undefined;
  return enterPhase(status, phase, message, at, phase === 'Executing' ? { systemFailures: 0 } : {});
}

export function markSucceeded(
  status: ActionStatus,
  message: string,
  at: TransitionAt,
): ActionStatus | undefined {
  if (isTerminalActionPhase(phaseOf(status))) return undefined;
  return enterPhase(status, 'Completed', message, at, { systemFailures: 0 });
}

/**
 * A failure of the current attempt, judged by the retry budgets: RetryableFailure when the
 * action will go on (a next attempt, or a relaunch after `retryAfter`), PermanentFailure when
 * it will not. `errorState` records it either way.
 */
export function markFailed(
  status: ActionStatus,
  failure: Failure,
  policy: RetryPolicy,
  at: TransitionAt,
): ActionStatus | undefined {
  if (isTerminalActionPhase(phaseOf(status))) return undefined;
  const attempt = attemptsOf(status);
  const judged = judgeFailure(
    {
      attempts: attempt,
      systemFailures: status.systemFailures ?? 0,
      relaunches: status.relaunches ?? 0,
    },
    failure,
    policy,
    at.now,
  );
  const { errorState, systemFailures } = judged;
  const cause = `${errorState.code}: ${errorState.message}`;
  switch (judged.verdict) {
    case 'fail':
      return enterPhase(status, 'PermanentFailure', errorState.message, at, {
        errorState,
        systemFailures,
      });
    case 'nextAttempt':
      return enterPhase(
        status,
        'RetryableFailure',
        `attempt ${attempt} failed (${cause}); retrying as attempt ${attempt + 1} of ${policy.maxAttempts}`,
        at,
        { errorState, systemFailures },
      );
    case 'relaunch':
      return enterPhase(
        status,
        'RetryableFailure',
        `system failure ${systemFailures} in a row (${cause}); attempt ${attempt} is relaunched after ${formatKubeMicroTime(judged.retryAt)}`,
        at,
        {
          errorState,
          systemFailures,
          relaunches: judged.relaunches,
          retryAfter: formatKubeMicroTime(judged.retryAt),
        },
      );
  }
}

/**
 * A failure of the controller's own look at a live attempt (reading its execution's state
 * failed, say on a permission taken away), counted as Flyte counts every failed `Handle`: a
 * SYSTEM failure against the budget of failures in a row, with the phase kept and nothing
 * relaunched, since the execution itself may be running well. Past the budget the action fails
 * for good (`MaxSystemFailuresExceeded`); look again after `systemRetryDelay` of the new count.
 * A USER failure is the attempt's own and goes through `markFailed`.
 */
export function markObservationFailed(
  status: ActionStatus,
  failure: Failure,
  policy: RetryPolicy,
  at: TransitionAt,
): ActionStatus | undefined {
  if (failure.kind === 'USER') return markFailed(status, failure, policy, at);
  const phase = phaseOf(status);
  if (phase === undefined || isTerminalActionPhase(phase)) return undefined;
  const counters = { attempts: attemptsOf(status), systemFailures: status.systemFailures ?? 0 };
  const judged = judgeFailure(counters, failure, policy, at.now);
  const { errorState, systemFailures } = judged;
  if (judged.verdict === 'fail') {
    return enterPhase(status, 'PermanentFailure', errorState.message, at, {
      errorState,
      systemFailures,
    });
  }
  return { ...status, errorState, systemFailures };
}

/**
 * RetryableFailure -> Queued, once the failed attempt's execution was aborted: the next attempt
 * after a USER failure, the same attempt after a SYSTEM failure (its count is kept).
 */
export function markRelaunched(status: ActionStatus, at: TransitionAt): ActionStatus | undefined {
  if (phaseOf(status) !== 'RetryableFailure') return undefined;
  const attempt = attemptsOf(status);
  if (status.errorState?.kind === 'USER') {
    return enterPhase(status, 'Queued', `waiting to launch attempt ${attempt + 1}`, at, {
      attempts: attempt + 1,
    });
  }
  return enterPhase(
    status,
    'Queued',
    `waiting to relaunch attempt ${attempt} after a system failure`,
    at,
    {},
  );
}

/**
 * A spec that can never run: InvalidSpec (fields missing or malformed) or PluginNotFound (no
 * engine for its task type). A USER failure that uses no budget.
 */
export function markRejected(
  status: ActionStatus,
  phase: Extract<FailedPhase, 'InvalidSpec' | 'PluginNotFound'>,
  message: string,
  at: TransitionAt,
): ActionStatus | undefined {
  if (isTerminalActionPhase(phaseOf(status))) return undefined;
  return enterPhase(status, phase, message, at, {
    errorState: { code: phase, kind: 'USER', message },
  });
}
