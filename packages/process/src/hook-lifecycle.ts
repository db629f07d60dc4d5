import type { HookName } from './process-spec.js';
import {
  type HookRun,
  isFinished,
  type ProcessIdentity,
  stoppedExitCode,
  type TaskRecord,
} from './task-record.js';

/**
 * The decisions about lifecycle hooks, as pure functions of a record (see task-lifecycle.ts).
 *
 * - `preStart` runs while the task is Pending; the command starts only once it completed.
 * - `postStop` runs once the task has ended — its command exited or was stopped and no
 *   process of its group is left, or it never started (preStart or start failure, or deleted
 *   first), as upstream runs it after any end.
 * - A hook's run is recorded (its shim's identity) before it may run, and its end (`reason`)
 *   is recorded before anything else happens to the task, so no hook runs twice.
 */

/** The exit code of a task whose preStart hook failed (as OpenSandbox reports it). */
export const hookFailedExitCode = 1;

export function hookSpec(record: TaskRecord, hook: HookName) {
  return record.process.lifecycle?.[hook] ?? undefined;
}

export function hookRun(record: TaskRecord, hook: HookName): HookRun | undefined {
  return record.hooks?.[hook];
}

/** Whether the hook has nothing left to do: there is none, or its end is recorded. */
export function hookSettled(record: TaskRecord, hook: HookName): boolean {
  return !hookSpec(record, hook) || hookRun(record, hook)?.reason !== undefined;
}

/** Whether a hook of the task runs now (started, its end not recorded). */
export function hookRunning(record: TaskRecord): boolean {
  return (['preStart', 'postStop'] as const).some((hook) => {
    const run = hookRun(record, hook);
    return run !== undefined && run.reason === undefined;
  });
}

/**
 * Whether the task's group must be found empty before its postStop may start although nothing
 * stops it: a task whose shim vanished (`Unknown`) may still have its command running, and a
 * cleanup hook must not run under it.
 */
export function postStopWaitsForGroup(record: TaskRecord): boolean {
  return (
    record.state === 'Unknown' &&
    hookSpec(record, 'postStop') !== undefined &&
    !hookRun(record, 'postStop')
  );
}

/** Whether a hook should be launched now. `groupAlive` is whether the task's group lives. */
export function hookDue(record: TaskRecord, hook: HookName, groupAlive: boolean): boolean {
  if (!hookSpec(record, hook) || hookRun(record, hook)) return false;
  if (hook === 'preStart') return record.state === 'Pending' && !record.deletionTimestamp;
  return !groupAlive && ended(record);
}

/** Whether the task's command is over for good, or will never run. */
function ended(record: TaskRecord): boolean {
  if (isFinished(record.state)) return true;
  return (
    record.state === 'Pending' && record.deletionTimestamp !== undefined && !hookRunning(record)
  );
}

/**
 * Whether a task whose command ran is still waiting for its postStop hook. Such a task is
 * reported as still running, so that its outcome is final once reported: a failing postStop
 * turns Succeeded into Failed.
 */
export function awaitingPostStop(record: TaskRecord): boolean {
  return (
    isFinished(record.state) && record.runtime !== undefined && !hookSettled(record, 'postStop')
  );
}

export function hookLaunched(
  record: TaskRecord,
  hook: HookName,
  runtime: ProcessIdentity,
  now: Date,
): TaskRecord {
  return withRun(record, hook, { runtime, startedAt: now.toISOString() });
}

/**
 * The record without a run of the hook whose shim never started it (it never got `go`): the
 * hook did not run, so it is due again as if it had never been launched.
 */
export function hookNotStarted(record: TaskRecord, hook: HookName): TaskRecord {
  const { [hook]: _run, ...others } = record.hooks ?? {};
  const { hooks: _hooks, ...rest } = record;
  return Object.keys(others).length > 0 ? { ...rest, hooks: others } : rest;
}

/**
 * Why a running hook's group must be killed now, if it must: it ran past its timeout, or the
 * task was deleted while its preStart ran (the command will never start).
 */
export function hookKillDue(
  record: TaskRecord,
  hook: HookName,
  now: Date,
): 'Timeout' | 'Deleted' | undefined {
  const run = hookRun(record, hook);
  if (!run || run.reason || run.killedAt) return undefined;
  const seconds = hookSpec(record, hook)?.timeoutSeconds;
  if (seconds && now.getTime() - Date.parse(run.startedAt) >= seconds * 1000) return 'Timeout';
  if (hook === 'preStart' && record.deletionTimestamp) return 'Deleted';
  return undefined;
}

export function hookKilled(
  record: TaskRecord,
  hook: HookName,
  cause: 'Timeout' | 'Deleted',
  now: Date,
): TaskRecord {
  const run = hookRun(record, hook);
  if (!run) return record;
  return withRun(record, hook, { ...run, killedAt: now.toISOString(), killCause: cause });
}

/** How a hook ended, as seen once its shim is gone. */
export interface HookEnd {
  /** The status its shim wrote; absent when the shim was killed. */
  readonly exit?: { readonly code: number } | undefined;
  /** What the capture kept of its output. */
  readonly output: string;
}

/** A hook that could not be launched at all (e.g. Remote without a main container). */
export function hookStartFailed(
  record: TaskRecord,
  hook: HookName,
  message: string,
  now: Date,
): TaskRecord {
  const at = now.toISOString();
  return hookEnded(record, hook, { startedAt: at }, { output: '' }, now, message);
}

/** Records a hook's end, and what it means for the task. */
export function hookFinished(record: TaskRecord, hook: HookName, end: HookEnd, now: Date) {
  const run = hookRun(record, hook);
  if (!run || run.reason) return record;
  return hookEnded(record, hook, run, end, now, failure(record, hook, run, end));
}

function failure(record: TaskRecord, hook: HookName, run: HookRun, end: HookEnd) {
  if (run.killCause === 'Timeout') {
    return `timed out after ${hookSpec(record, hook)?.timeoutSeconds}s; its process group was killed`;
  }
  if (run.killCause === 'Deleted') return 'killed because the task was deleted';
  if (!end.exit) {
    return 'ended without an exit status (its shim was killed); it is not run again';
  }
  return end.exit.code === 0 ? undefined : `exited with code ${end.exit.code}`;
}

function hookEnded(
  record: TaskRecord,
  hook: HookName,
  run: Omit<HookRun, 'reason'>,
  end: HookEnd,
  now: Date,
  problem: string | undefined,
): TaskRecord {
  const finishedAt = now.toISOString();
  const output = end.output ? `; output: ${end.output}` : '';
  const failed = problem !== undefined;
  const message = failed ? `${hook} hook ${problem}${output}` : undefined;
  const ran: HookRun = {
    ...run,
    reason: `${hook === 'preStart' ? 'PreStart' : 'PostStop'}Hook${failed ? 'Failed' : 'Completed'}`,
    ...(end.exit ? { exitCode: end.exit.code } : {}),
    ...(message ? { message } : {}),
    finishedAt,
  };
  const next = withRun(record, hook, ran);
  if (!failed || !message) return next;
  if (hook === 'preStart' && run.killCause === 'Deleted') {
    // A deletion, not the hook, ended the task: it reads as a stop whose command never ran,
    // as a stop between the shim's go and its fork does, never as a failed preStart.
    return {
      ...next,
      state: 'Failed',
      reason: 'Stopped',
      message:
        'stopped because the task was deleted while its preStart hook ran; the command did not run',
      exitCode: stoppedExitCode,
      commandStarted: false,
      startedAt: run.startedAt,
      finishedAt,
    };
  }
  if (hook === 'preStart') {
    return {
      ...next,
      state: 'Failed',
      reason: 'PreStartHookFailed',
      message,
      exitCode: hookFailedExitCode,
      startedAt: run.startedAt,
      finishedAt,
    };
  }
  // A failing postStop fails a task that succeeded (exit code 1, as upstream); a task that had
  // already failed keeps its own reason and exit code, which say more, and gains the message.
  if (record.state === 'Succeeded') {
    return {
      ...next,
      state: 'Failed',
      reason: 'PostStopHookFailed',
      message: `the process exited with code 0, then the ${message}`,
      exitCode: hookFailedExitCode,
    };
  }
  return { ...next, message: record.message ? `${record.message}; ${message}` : message };
}

function withRun(record: TaskRecord, hook: HookName, run: HookRun): TaskRecord {
  return { ...record, hooks: { ...record.hooks, [hook]: run } };
}
