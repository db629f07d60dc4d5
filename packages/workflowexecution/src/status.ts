/**
 * Pure status transitions. Each takes the WorkflowExecution (its metadata and status) as last
 * read from the API server and returns its new status, or undefined when the transition no
 * longer applies (another writer got there first): status writes re-run these on a conflict, so
 * they must be safe to repeat. Past 350 lines: the transitions share the conditions each
 * sets and the next one reads (Ready last, the terminal check, the finish time), and apart they
 * would drift.
 */
import { findCondition, setCondition } from '@roundhouse/controller';
import {
  type Condition,
  type ConditionWarning,
  type ExecutionResult,
  formatGoDuration,
  formatKubeTime,
  type WorkflowExecutionStatus,
} from '@roundhouse/core';
import { completeFailedReason, conditionReasons } from './condition-reasons.js';
import {
  completeFailedMessage,
  creationFailedMessage,
  type Failure,
  failedAfterStart,
} from './failure-report.js';
import { failureSummary } from './failure-summary.js';
import type { StatusView } from './resource.js';
import { unstalled } from './stalled.js';
import { statusMessage } from './status-message.js';

type Status = WorkflowExecutionStatus;

export const conditionTypes = {
  ready: 'Ready',
  created: 'ExecutionCreated',
  running: 'ExecutionRunning',
  complete: 'ExecutionComplete',
  waiting: 'Waiting',
  startFailing: 'StartFailing',
  lockReleased: 'LockReleased',
} as const;

function condition(
  wfe: StatusView,
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
  base: Condition[] | undefined = wfe.status?.conditions,
  /** When the condition took this status, if before `now` (setCondition keeps an unchanged one's). */
  since?: string,
): Condition[] {
  return setCondition(
    base ? [...base] : [],
    {
      type,
      status,
      reason,
      message: statusMessage(message),
      observedGeneration: wfe.metadata.generation ?? 0,
      ...(since !== undefined ? { lastTransitionTime: since } : {}),
    },
    now,
  );
}

const isTerminal = (wfe: StatusView) =>
  wfe.status?.phase === 'Completed' || wfe.status?.phase === 'Failed';

/**
 * Pending while something outside the execution holds it back (cooldown, a busy lock, a create
 * that keeps failing). A new reason is a new wait, so its lastTransitionTime says since when
 * this one has held the execution back (a failing create is given up on that long after it
 * first failed); the same reason again keeps it.
 */
export function markWaiting(
  wfe: StatusView,
  reason: string,
  message: string,
  now: Date,
): Status | undefined {
  if (wfe.status?.phase && wfe.status.phase !== 'Pending') return undefined;
  const existing = findCondition(wfe.status?.conditions, conditionTypes.waiting);
  if (
    wfe.status?.phase === 'Pending' &&
    existing?.reason === reason &&
    existing.message === statusMessage(message)
  ) {
    return undefined;
  }
  return {
    ...wfe.status,
    phase: 'Pending',
    observedGeneration: wfe.metadata.generation ?? 0,
    conditions: condition(wfe, conditionTypes.waiting, 'True', reason, message, now).map((c) =>
      c.type === conditionTypes.waiting && existing?.reason !== reason
        ? { ...c, lastTransitionTime: formatKubeTime(now) }
        : c,
    ),
  };
}

/**
 * Pending after a create that failed retryably: Waiting/CreateFailed as markWaiting writes it,
 * and StartFailing True since the first such failure. Waiting's time starts anew with each
 * reason, so a start alternating between a failing create and a target lock would count from
 * its last failure for ever; StartFailing keeps its status, and so its time (metav1's rule),
 * through the lock waits in between, and bounds the retries (see the reconciler's #startOverdue).
 * A cooldown wait, or a wait on a holder that ran, ends it (markCooldownActive, markLockedByRun).
 */
export function markCreateFailed(wfe: StatusView, message: string, now: Date): Status | undefined {
  if (wfe.status?.phase && wfe.status.phase !== 'Pending') return undefined;
  const before = findCondition(wfe.status?.conditions, conditionTypes.waiting);
  const waiting = markWaiting(wfe, 'CreateFailed', message, now);
  const failing = findCondition(wfe.status?.conditions, conditionTypes.startFailing);
  if (!waiting && failing?.status === 'True') return undefined;
  // An execution an older version wrote (Waiting/CreateFailed, no StartFailing) has failed since
  // that wait began: counting from now would give its retries a whole timeout more.
  const since =
    failing === undefined && before?.status === 'True' && before.reason === 'CreateFailed'
      ? before.lastTransitionTime
      : undefined;
  const base = waiting ?? wfe.status;
  const conditions = condition(
    wfe,
    conditionTypes.startFailing,
    'True',
    'CreateFailed',
    'creating the execution resource failed; retrying',
    now,
    base?.conditions,
    since,
  );
  return {
    ...base,
    phase: 'Pending',
    observedGeneration: wfe.metadata.generation ?? 0,
    conditions,
  };
}

/**
 * Pending in a cooldown (`CooldownActive`): an execution on the target really ran and released
 * it, so the start is held back by a wait that says nothing of its create. StartFailing, True
 * since a failed create, goes False (`Waited`): the wait may be long, and a retryable error
 * after it would otherwise be given up at once (#startOverdue counts from StartFailing's time);
 * the next failure starts the count anew.
 */
export function markCooldownActive(
  wfe: StatusView,
  message: string,
  now: Date,
): Status | undefined {
  return waitedOnRun(
    wfe,
    'CooldownActive',
    message,
    'waiting for the cooldown of an execution that ran on the target',
    now,
  );
}

/**
 * Pending on a target another execution holds that really ran on it (`TargetLocked`): as a
 * cooldown, its run may last its whole timeout, so StartFailing goes False (`Waited`). A lock
 * no known execution accounts for (markWaiting's TargetLocked) keeps it: a start alternating
 * between such a lock and a failing create is given up a timeout after its first failure.
 */
export function markLockedByRun(wfe: StatusView, message: string, now: Date): Status | undefined {
  return waitedOnRun(
    wfe,
    'TargetLocked',
    message,
    'waiting for an execution that ran on the target to release it',
    now,
  );
}

/** Waiting for `reason`, with StartFailing, if True, ended (`Waited`, `failingMessage`). */
function waitedOnRun(
  wfe: StatusView,
  reason: string,
  message: string,
  failingMessage: string,
  now: Date,
): Status | undefined {
  if (wfe.status?.phase && wfe.status.phase !== 'Pending') return undefined;
  const waiting = markWaiting(wfe, reason, message, now);
  const failing = findCondition(wfe.status?.conditions, conditionTypes.startFailing);
  if (failing?.status !== 'True') return waiting;
  const base = waiting ?? wfe.status;
  return {
    ...base,
    phase: 'Pending',
    observedGeneration: wfe.metadata.generation ?? 0,
    conditions: condition(
      wfe,
      conditionTypes.startFailing,
      'False',
      'Waited',
      failingMessage,
      now,
      base?.conditions,
    ),
  };
}

/** The execution's resource as its start made or found it. */
export interface StartedResource {
  /** Its kind, set when it was the execution's already (see `resourceAdopted`). */
  readonly adoptedKind?: string | undefined;
  /** When it was created, where the engine (`CreateResult.createdAt`) or the cache said. */
  readonly createdAt?: string | undefined;
}

/**
 * When an execution started: when its resource was created, whether by this start or by one
 * before a restart, not when the controller came to record it. An adopted execution's deadline
 * (`startTime` plus its timeout) and duration then count from when the workflow began, as the
 * engine's own deadline does; and a new one's start is on the cluster's clock, with the
 * engine's records of the run (a Job's Events), though the create's answer came late or this
 * process's clock runs ahead. Never before the execution itself was created, since no resource
 * of it can be older (an API server whose clock runs behind another's is), nor after `now`
 * (one whose clock runs ahead of this process's); `now` when the creation time is unknown.
 */
function startTimeOf(wfe: StatusView, createdAt: string | undefined, now: Date): Date {
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (Number.isNaN(created)) return now;
  const own = wfe.metadata.creationTimestamp ? Date.parse(wfe.metadata.creationTimestamp) : 0;
  return new Date(Math.min(now.getTime(), Math.max(created, Number.isNaN(own) ? 0 : own)));
}

/**
 * Running, with `warnings` (the create's condition warnings, see `startWarnings`) each set True
 * after ExecutionCreated, on the same write, as kubernaut's finalizePendingToRunning sets them.
 */
export function markRunning(
  wfe: StatusView,
  engine: string,
  resourceName: string,
  namespace: string,
  now: Date,
  resource: StartedResource = {},
  warnings: readonly ConditionWarning[] = [],
): Status | undefined {
  const { adoptedKind } = resource;
  if (wfe.status?.phase && wfe.status.phase !== 'Pending') return undefined;
  let conditions = condition(
    wfe,
    conditionTypes.created,
    'True',
    conditionReasons.created,
    // kubernaut's words in each path: finalizePendingToRunning's, and HandleAlreadyExists's.
    adoptedKind !== undefined
      ? `${adoptedKind} ${resourceName} already exists (race condition)`
      : `${engine} execution resource ${resourceName} created in ${namespace} namespace`,
    now,
  );
  for (const w of warnings) {
    conditions = condition(wfe, w.type, 'True', w.reason, w.message, now, conditions);
  }
  conditions = condition(
    wfe,
    conditionTypes.waiting,
    'False',
    'Started',
    'execution started',
    now,
    conditions,
  );
  // Only where a create failed before: a start that never failed carries no such condition.
  if (findCondition(conditions, conditionTypes.startFailing)) {
    conditions = condition(
      wfe,
      conditionTypes.startFailing,
      'False',
      'Started',
      'execution started',
      now,
      conditions,
    );
  }
  conditions = condition(
    wfe,
    conditionTypes.running,
    'True',
    conditionReasons.started,
    `${engine} execution is running`,
    now,
    conditions,
  );
  conditions = condition(
    wfe,
    conditionTypes.ready,
    'False',
    conditionReasons.notReady,
    'workflow is running',
    now,
    conditions,
  );
  return unstalled(
    wfe,
    {
      ...wfe.status,
      phase: 'Running',
      startTime: formatKubeTime(startTimeOf(wfe, resource.createdAt, now)),
      executionRef: { name: resourceName },
      observedGeneration: wfe.metadata.generation ?? 0,
      conditions,
    },
    now,
  );
}

/**
 * When an execution finished: the engine's own record of when its resource finished
 * (`result.completionTime`, as kubernaut takes a PipelineRun's), so an end observed late (a
 * missed event, a restart) is not recorded late and the cooldown starts when it really ended;
 * the controller's clock when the engine gives none. A time after `now` is the engine's clock
 * running ahead of this one, and is taken as `now`: a completion cannot lie in the future, and
 * the lock must not be held past the cooldown for it.
 */
export function finishedAt(result: ExecutionResult | undefined, now: Date): Date {
  const reported = result?.completionTime ? Date.parse(result.completionTime) : Number.NaN;
  return Number.isNaN(reported) || reported > now.getTime() ? now : new Date(reported);
}

/** How long an execution ran until it finished, in seconds; 0 when it never started. */
export function ranSeconds(
  wfe: StatusView,
  result: ExecutionResult | undefined,
  now: Date,
): number {
  const start = wfe.status?.startTime ? Date.parse(wfe.status.startTime) : Number.NaN;
  if (Number.isNaN(start)) return 0;
  return Math.max(0, finishedAt(result, now).getTime() - start) / 1000;
}

/**
 * The end of an execution: when, how long it ran (never negative: an engine's completion
 * before the recorded start is clock skew, and ran 0s), and the generation it ended on.
 */
function finished(wfe: StatusView, result: ExecutionResult | undefined, now: Date) {
  const end = finishedAt(result, now);
  const start = wfe.status?.startTime ? Date.parse(wfe.status.startTime) : Number.NaN;
  return {
    completionTime: formatKubeTime(end),
    ...(Number.isNaN(start)
      ? {}
      : { duration: formatGoDuration(Math.max(0, end.getTime() - start)) }),
    observedGeneration: wfe.metadata.generation ?? 0,
  };
}

export function markCompleted(
  wfe: StatusView,
  result: ExecutionResult,
  now: Date,
): Status | undefined {
  if (isTerminal(wfe)) return undefined;
  const times = finished(wfe, result, now);
  let conditions = condition(
    wfe,
    conditionTypes.complete,
    'True',
    conditionReasons.succeeded,
    `All tasks completed successfully${times.duration ? ` in ${times.duration}` : ''}`,
    now,
  );
  conditions = lastWord(wfe, result.message, now, conditions);
  conditions = condition(
    wfe,
    conditionTypes.ready,
    'True',
    conditionReasons.ready,
    'Workflow execution completed',
    now,
    readyLast(conditions),
  );
  return unstalled(
    wfe,
    {
      ...wfe.status,
      phase: 'Completed',
      ...times,
      executionStatus: summaryOf(result),
      conditions,
    },
    now,
  );
}

/**
 * ExecutionRunning of an execution that ended: still True (ExecutionStarted), as kubernaut
 * leaves it, since it says the execution started; its message becomes the engine's last word.
 */
function lastWord(
  wfe: StatusView,
  message: string,
  now: Date,
  conditions: Condition[],
): Condition[] {
  if (!findCondition(conditions, conditionTypes.running)) return conditions;
  return condition(
    wfe,
    conditionTypes.running,
    'True',
    conditionReasons.started,
    message,
    now,
    conditions,
  );
}

/**
 * `conditions` with Ready moved last, before it is set at the end of an execution. Ready is
 * written from Running on, so it would stand before ExecutionComplete; kubernaut first sets it
 * on the terminal transition, after ExecutionComplete, and the list reads in that order then
 * (`kubectl describe`, tools that show conditions as they come).
 */
function readyLast(conditions: Condition[]): Condition[] {
  const ready = conditions.filter((c) => c.type === conditionTypes.ready);
  return [...conditions.filter((c) => c.type !== conditionTypes.ready), ...ready];
}

function summaryOf(result: ExecutionResult): ExecutionResult['summary'] {
  const { summary } = result;
  return summary.message === undefined
    ? summary
    : { ...summary, message: statusMessage(summary.message) };
}

export function markFailed(wfe: StatusView, failure: Failure, now: Date): Status | undefined {
  if (isTerminal(wfe)) return undefined;
  const { result } = failure;
  const times = finished(wfe, result, now);
  let conditions = failedAfterStart(wfe, failure)
    ? condition(
        wfe,
        conditionTypes.complete,
        'False',
        completeFailedReason(failure.reason),
        completeFailedMessage(failure),
        now,
      )
    : condition(
        wfe,
        conditionTypes.created,
        'False',
        // kubernaut's reason for every creation failure: its switch on QuotaExceeded,
        // RBACDenied and ImagePullFailed matches no failure reason it ever passes.
        conditionReasons.creationFailed,
        creationFailedMessage(failure),
        now,
      );
  conditions = lastWord(wfe, failure.message, now, conditions);
  conditions = condition(
    wfe,
    conditionTypes.ready,
    'False',
    conditionReasons.notReady,
    'Workflow execution failed',
    now,
    readyLast(conditions),
  );
  return unstalled(
    wfe,
    {
      ...wfe.status,
      phase: 'Failed',
      ...times,
      ...(result ? { executionStatus: summaryOf(result) } : {}),
      // kubernaut's deprecated flat field, which it still mirrors for older readers.
      failureReason: failure.reason,
      ...(failure.deduplicatedBy ? { deduplicatedBy: failure.deduplicatedBy } : {}),
      failureDetails: {
        reason: failure.reason,
        message: statusMessage(failure.message),
        failedAt: formatKubeTime(now),
        wasExecutionFailure: failure.wasExecutionFailure,
        ...(result?.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        // Always, as kubernaut's Go struct writes them (no omitempty): its CRD requires both, and
        // refuses a Failed status without them (a failure before any task ran, an engine that
        // numbers none), so the execution would never end.
        failedTaskName: result?.failedTaskName ?? '',
        failedTaskIndex: result?.failedTaskIndex ?? 0,
        ...(result?.failedStepName !== undefined ? { failedStepName: result.failedStepName } : {}),
        ...(times.duration !== undefined ? { executionTimeBeforeFailure: times.duration } : {}),
        naturalLanguageSummary: statusMessage(
          failureSummary({
            reason: failure.reason,
            message: failure.message,
            ranFor: times.duration,
            ...failure.subject,
          }),
        ),
      },
      conditions,
    },
    now,
  );
}

/**
 * A finished execution written without its completion time (by hand, or by another writer)
 * gets one now, so its target still cools down for the full period before its lock is released;
 * undefined when it has one or has not finished.
 */
export function markCompletionTime(wfe: StatusView, now: Date): Status | undefined {
  if (!isTerminal(wfe) || wfe.status?.completionTime) return undefined;
  return {
    ...wfe.status,
    completionTime: formatKubeTime(now),
    observedGeneration: wfe.metadata.generation ?? 0,
  };
}

/**
 * After the cooldown released the target's lock; undefined if already recorded. `notRemoved`
 * says what was left behind, and why, when nothing here could remove the execution's resource
 * (its engine is not registered): the lock is released all the same, as kubernaut releases it,
 * and the condition must not claim the resource went.
 */
export function markLockReleased(
  wfe: StatusView,
  now: Date,
  notRemoved?: string | undefined,
): Status | undefined {
  if (!isTerminal(wfe)) return undefined;
  if (findCondition(wfe.status?.conditions, conditionTypes.lockReleased)?.status === 'True')
    return undefined;
  const released: Status = {
    ...wfe.status,
    observedGeneration: wfe.metadata.generation ?? 0,
    conditions: condition(
      wfe,
      conditionTypes.lockReleased,
      'True',
      notRemoved === undefined ? 'CleanedUp' : 'ResourceNotRemoved',
      notRemoved === undefined
        ? 'execution resource removed; target unlocked'
        : `target unlocked; ${notRemoved}`,
      now,
    ),
  };
  return unstalled(wfe, released, now);
}

/**
 * Whether the lock was released with nothing of the execution left to remove (reason
 * `CleanedUp`): the release writes it after its engine's cleanup succeeded, or when no
 * resource was recorded and no engine here could remove one.
 */
export function cleanedUp(wfe: StatusView): boolean {
  const released = findCondition(wfe.status?.conditions, conditionTypes.lockReleased);
  return released?.status === 'True' && released.reason === 'CleanedUp';
}

/** Milliseconds left of the cooldown after this execution finished; 0 when over or unknown. */
export function cooldownRemaining(wfe: StatusView, cooldownMs: number, now: Date): number {
  const completed = wfe.status?.completionTime ? Date.parse(wfe.status.completionTime) : Number.NaN;
  if (Number.isNaN(completed)) return 0;
  return Math.max(0, completed + cooldownMs - now.getTime());
}
