/*
 * The Events an execution is reported by. By default one, at its outcome (WorkflowFailed,
 * LockReleased, CleanupFailed): the status already tells a watcher every step, and an Event per
 * step would be one more request in each execution's busiest stretch. kubernaut's controller
 * records one at every step of its flow as well (its DD-EVENT-001), and its tests and tools
 * look for them; `lifecycle` records those too, with kubernaut's reasons and words. Either
 * mode records one more, ExecutionWarning, when the engine warned of something at the create;
 * `lifecycle` records a warning that names a condition (`ConditionWarning`) in an Event of its
 * own, with its reason, as kubernaut does, and `outcome` tells it in ExecutionWarning's words.
 */
import type { EventKind } from '@roundhouse/controller';
import {
  type ConditionWarning,
  formatGoDuration,
  printableText,
  type WorkflowExecution,
} from '@roundhouse/core';
import { z } from 'zod';

/** `outcome`: one Event per lifecycle, at its end. `lifecycle`: kubernaut's at every step too. */
export const EventModeSchema = z.enum(['outcome', 'lifecycle']);
export type EventMode = z.infer<typeof EventModeSchema>;

/**
 * An Event as the reconciler records it. `key` makes it one of a kind for its execution (see
 * `EventRecordOptions.key`): a reconcile retried, or a replica resuming with an older copy,
 * records the same Event again, which the API server refuses as a second copy.
 */
export interface ReportedEvent {
  readonly type: EventKind;
  readonly reason: string;
  readonly message: string;
  readonly key: string;
  /**
   * Recorded only when the Event under this key, earlier in the same list, was there already
   * (an earlier pass recorded it); not when this pass created it, nor when it failed.
   */
  readonly onlyIfFound?: string | undefined;
}

type Spec = Pick<WorkflowExecution['spec'], 'workflowRef' | 'targetResource'>;

/** The spec was read and checked, at the start (kubernaut: validateAndAnnouncePendingSpec). */
export function workflowValidated(spec: Spec): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'WorkflowValidated',
    message: `Workflow spec validated: ${printableText(spec.workflowRef.workflowId)} (target: ${spec.targetResource})`,
    key: 'WorkflowValidated',
  };
}

/**
 * The spec failed its checks, before the WorkflowFailed Event of the same failure. kubernaut
 * echoes its validation error here; `message` is the failure's own, the one failureDetails and
 * WorkflowFailed already carry, so what an invalid spec holds reaches no further than that.
 */
export function workflowValidationFailed(message: string): ReportedEvent {
  return {
    type: 'Warning',
    reason: 'WorkflowValidationFailed',
    message: `Spec validation failed: ${message}`,
    key: 'WorkflowValidationFailed',
  };
}

/**
 * The execution's engine is not registered (kubernaut: createPendingExecutionResource), said
 * in the failure's own words, as kubernaut says it in both Events.
 */
export function engineUnavailable(message: string): ReportedEvent {
  return {
    type: 'Warning',
    reason: 'WorkflowValidationFailed',
    message,
    key: 'WorkflowValidationFailed',
  };
}

/**
 * The execution names no engine where one is required (kubernaut: resolvePendingSchemaAndEngine,
 * after WorkflowValidated), in kubernaut's words around the failure's own message.
 */
export function engineNotDeclared(message: string): ReportedEvent {
  return {
    type: 'Warning',
    reason: 'WorkflowValidationFailed',
    message: `Workflow catalog resolution failed: ${message}`,
    key: 'WorkflowValidationFailed',
  };
}

/**
 * The start waits for the cooldown `blocker` (the execution that finished on the target) holds.
 * One per blocker: kubernaut records it on every pass of the wait, each saying what is left.
 */
export function cooldownActive(
  target: string,
  remainingMs: number,
  blocker: string,
): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'CooldownActive',
    message: `Execution deferred: cooldown active for ${target} (remaining: ${formatGoDuration(remainingMs)})`,
    key: `CooldownActive ${blocker}`,
  };
}

/** The engine's resource was created (kubernaut: finalizePendingToRunning). */
export function executionCreated(engine: string, namespace: string, name: string): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'ExecutionCreated',
    message: `Created ${engine} execution resource ${namespace}/${name}`,
    key: 'ExecutionCreated',
  };
}

/**
 * The execution's resource was there already, and is its own (kubernaut: HandleAlreadyExists,
 * the create that lost a race with an earlier pass, or with another controller, for the same
 * execution). kubernaut moves it to Running with this Event alone, neither ExecutionCreated nor
 * a PhaseTransition, and names it by the kind: `PipelineRunCreated`, its Tekton path's (its Job
 * path fails such an execution as locked; Roundhouse says `JobCreated` there).
 *
 * Under ExecutionCreated's key: both report the one start. The Events go before the Running
 * write, so a controller killed between the two left ExecutionCreated recorded and its resource
 * behind, and the next one adopts that resource; kubernaut, which writes first, never reports
 * a start twice, and this Event is then refused as the second copy (see adoptedTransition).
 */
export function resourceAdopted(kind: string, namespace: string, name: string): ReportedEvent {
  return {
    type: 'Normal',
    reason: `${kind}Created`,
    message: `${kind} ${namespace}/${name} (already exists, ours)`,
    key: 'ExecutionCreated',
  };
}

/**
 * What the engine warned of when it created the execution's resource (parameters the Pipeline
 * does not declare, dropped; an engineConfig it does not use; the API server's Warning headers),
 * in its own words, all in one Event. The controller's log alone had them, and the execution's
 * author, who can do something about them, does not read it. The words name fields and
 * parameters, never a Secret's value.
 */
export function executionWarnings(engine: string, warnings: readonly string[]): ReportedEvent {
  return {
    type: 'Warning',
    reason: 'ExecutionWarning',
    message: `The ${engine} engine created the execution with warnings: ${warnings.join('; ')}`,
    key: 'ExecutionWarning',
  };
}

/**
 * A create's warning that names a condition, with its own reason and words, as kubernaut's
 * finalizePendingToRunning records each `CreateResult.Warnings` entry (TokenTTLShortened). One
 * per condition type, so a retried start records it once.
 */
export function conditionWarning(warning: ConditionWarning): ReportedEvent {
  return {
    type: 'Warning',
    reason: warning.reason,
    message: warning.message,
    key: `ConditionWarning ${warning.type}`,
  };
}

export type Phase = 'Pending' | 'Running' | 'Completed' | 'Failed';

/** kubernaut's breadcrumb after each Event that moves the phase on (emitPhaseTransition). */
export function phaseTransition(from: Phase, to: Phase): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'PhaseTransition',
    message: `Phase transition: ${from} → ${to}`,
    key: `PhaseTransition ${from} → ${to}`,
  };
}

/**
 * `Pending → Running` after resourceAdopted, recorded only when that Event was refused as a
 * second copy: an earlier start of this execution reported it, and was stopped (a controller
 * killed, a write that failed) before its Running write, perhaps before its own transition
 * Event. The adopt is then a recovery, not a race, and the transition is recorded once (under
 * its key). When resourceAdopted was created, a race no one reported yet, there is no
 * transition, as in kubernaut. The refused copy does not say which Event it was: a race path
 * start retried after its Running write failed records the transition too, which kubernaut,
 * writing first, would not.
 */
export function adoptedTransition(): ReportedEvent {
  return { ...phaseTransition('Pending', 'Running'), onlyIfFound: 'ExecutionCreated' };
}

/**
 * The workflow succeeded (kubernaut: MarkCompleted). Without a start time there is no duration,
 * and kubernaut prints its nil one as `<nil>`.
 */
export function workflowCompleted(workflowId: string, duration: string | undefined): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'WorkflowCompleted',
    message: `Workflow ${printableText(workflowId)} completed successfully in ${duration ?? '<nil>'}`,
    key: 'WorkflowCompleted',
  };
}

/** Cleanup ran for a deleted execution, before its finalizer goes (kubernaut: ReconcileDelete). */
export function workflowExecutionDeleted(phase: string | undefined): ReportedEvent {
  return {
    type: 'Normal',
    reason: 'WorkflowExecutionDeleted',
    message: `WorkflowExecution cleanup completed (phase: ${phase ?? ''})`,
    key: 'WorkflowExecutionDeleted',
  };
}
