import { constants } from 'node:os';
import { hookRunning, hookSettled } from './hook-lifecycle.js';
import { canonicalRequest, type TaskRequest } from './process-spec.js';
import {
  isActive,
  isFinished,
  type ProcessIdentity,
  type Stop,
  stoppedExitCode,
  type TaskRecord,
  TaskRecordSchema,
} from './task-record.js';

/**
 * The supervisor's decisions as pure functions of a record and what was observed, so every
 * transition is tested on its output and the I/O around them stays thin.
 */

/** The exit code reported for a task that was killed or timed out (128 + SIGKILL). */
export const killedExitCode = 137;
/** The exit code reported for a task whose process could not be started (as containerd does). */
export const startFailedExitCode = 128;

export interface Observation {
  /** The exit status the shim wrote, and when (the file's modification time). */
  readonly exit?: { readonly code: number; readonly at: Date } | undefined;
  /** Whether the shim named by `record.runtime` is still alive (a zombie counts as dead). */
  readonly shimAlive: boolean;
  /** When the shim was found gone without a status: the latest its process can have ended. */
  readonly goneBy?: Date | undefined;
  /**
   * Whether, the shim gone without a status, processes of its group still run: the command
   * (or what it started) goes on unsupervised, and is still the task's to time out or stop.
   */
  readonly groupAlive?: boolean | undefined;
  /**
   * Whether the shim is gone having left its never-started marker: it never got `go` (the
   * agent died between recording it and sending that), so the command did not run.
   */
  readonly neverStarted?: boolean | undefined;
  /**
   * When the shim, gone, left its stopped-before-start marker: a stop came after `go` but
   * before the command was forked, so the command never ran.
   */
  readonly stoppedBeforeStart?: Date | undefined;
}

export function newRecord(request: TaskRequest, uid: string, now: Date): TaskRecord {
  const { name, process, labels, annotations } = canonicalRequest(request);
  return TaskRecordSchema.parse({
    version: 1,
    name,
    uid,
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
    process,
    createdAt: now.toISOString(),
    state: 'Pending',
    reason: 'Pending',
  });
}

export function started(record: TaskRecord, runtime: ProcessIdentity, now: Date): TaskRecord {
  return { ...record, state: 'Running', reason: 'Running', runtime, startedAt: now.toISOString() };
}

export function startFailed(record: TaskRecord, message: string, now: Date): TaskRecord {
  const at = now.toISOString();
  return {
    ...record,
    state: 'Failed',
    reason: 'StartFailed',
    message,
    exitCode: startFailedExitCode,
    startedAt: at,
    finishedAt: at,
  };
}

/**
 * A running task whose process ended gets its outcome, and one whose shim never ran the
 * command is Pending again; anything else is returned unchanged.
 */
export function observe(record: TaskRecord, observation: Observation): TaskRecord {
  if (record.state !== 'Running') return record;
  if (observation.neverStarted) return notStarted(record);
  if (observation.stoppedBeforeStart)
    return stoppedBeforeStart(record, observation.stoppedBeforeStart);
  const { exit } = observation;
  if (exit) return exited(record, exit.code, exit.at);
  if (observation.shimAlive || observation.groupAlive) return record;
  const { stop } = record;
  if (stop?.killedAt) {
    return {
      ...record,
      state: 'Failed',
      reason: stop.cause === 'Timeout' ? 'Timeout' : 'Stopped',
      message: `killed with SIGKILL after the grace period (${describeStop(record, stop)})`,
      exitCode: killedExitCode,
      signal: 9,
      finishedAt: stop.killedAt,
    };
  }
  // The agent itself was stopping it, so how it ended is known even though its exit status
  // was not recorded: the stop is the outcome, and a lost outcome would hide a timeout.
  if (stop) {
    return {
      ...record,
      state: 'Failed',
      reason: stop.cause === 'Timeout' ? 'Timeout' : 'Stopped',
      message: `${describeStop(record, stop)}; the process ended during the stop without recording an exit status`,
      exitCode: killedExitCode,
      finishedAt: (observation.goneBy ?? new Date(stop.requestedAt)).toISOString(),
    };
  }
  return {
    ...record,
    state: 'Unknown',
    reason: 'Lost',
    message:
      'the process ended without recording an exit status (its supervising shim was killed, ' +
      'e.g. by SIGKILL or the OOM killer); whether the command succeeded is unknown, and it is ' +
      'not run again',
  };
}

/**
 * The record as it was before its shim was launched: nothing of the command ran, so it is
 * Pending, as a record written just before the crash would be, and starts like one (at most
 * once still holds). A stop asked meanwhile has nothing to stop; a deletion stays.
 */
function notStarted(record: TaskRecord): TaskRecord {
  const {
    runtime: _runtime,
    startedAt: _startedAt,
    stop: _stop,
    message: _message,
    ...rest
  } = record;
  return { ...rest, state: 'Pending', reason: 'Pending' };
}

/**
 * A task a stop ended after its shim got `go` but before the command was forked: it ended as
 * the stop's SIGTERM would have ended it, and says its command never started, so neither a
 * timeout nor a deletion reads as the command's failure.
 */
function stoppedBeforeStart(record: TaskRecord, at: Date): TaskRecord {
  const stop = record.stop ?? { cause: 'Deleted', requestedAt: at.toISOString() };
  return {
    ...record,
    state: 'Failed',
    reason: stop.cause === 'Timeout' ? 'Timeout' : 'Stopped',
    message: `${describeStop(record, stop)} before its command started; the command did not run`,
    exitCode: stoppedExitCode,
    finishedAt: at.toISOString(),
    commandStarted: false,
  };
}

function exited(record: TaskRecord, code: number, at: Date): TaskRecord {
  const finishedAt = at.toISOString();
  const { stop } = record;
  if (stop?.cause === 'Timeout') {
    return {
      ...record,
      state: 'Failed',
      reason: 'Timeout',
      message: `${describeStop(record, stop)}; the process exited with code ${code}`,
      exitCode: killedExitCode,
      finishedAt,
    };
  }
  if (code === 0) {
    return { ...record, state: 'Succeeded', reason: 'Succeeded', exitCode: 0, finishedAt };
  }
  return {
    ...record,
    state: 'Failed',
    reason: stop ? 'Stopped' : 'Failed',
    message: stop
      ? `stopped because the task was deleted; the process exited with code ${code}`
      : `the process exited with code ${code}${signalNote(code)}`,
    exitCode: code,
    finishedAt,
  };
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * What a code above 128 most likely means: the shell the shim waits with reports a command a
 * signal killed (a crash, the OOM killer, a kill from outside) as 128 plus its number, which a
 * command could also have exited with, so it is said as likely, not as fact.
 */
function signalNote(code: number): string {
  const name = signalNames.get(code - 128);
  return name ? ` (128 + ${code - 128}: most likely killed by ${name})` : '';
}

function describeStop(record: TaskRecord, stop: Stop): string {
  return stop.cause === 'Timeout'
    ? `exceeded its timeout of ${record.process.timeoutSeconds}s`
    : 'stopped because the task was deleted';
}

/**
 * Whether recovery may drop a task so that it runs again (`rerunLostTasks`): it was recorded
 * running with no stop or deletion asked, and after the restart its shim is gone without an
 * exit status and no process of its group runs, so whether the command succeeded cannot be
 * known (`Unknown`). A task with an exit status, a finished, deleted or stopping one, one
 * recorded terminal, and one whose processes still run (`Running`: a re-run would run beside
 * them) are kept.
 */
export function rerunAfterLoss(persisted: TaskRecord, recovered: TaskRecord): boolean {
  return (
    persisted.state === 'Running' &&
    persisted.deletionTimestamp === undefined &&
    persisted.stop === undefined &&
    recovered.state === 'Unknown'
  );
}

/**
 * How long until a running task reaches `timeoutSeconds` (0 once it has), or undefined when
 * no timeout is pending: none set, not running, or already being stopped.
 */
export function timeoutDueIn(record: TaskRecord, now: Date): number | undefined {
  const seconds = record.process.timeoutSeconds;
  if (record.state !== 'Running' || record.stop || !seconds || !record.startedAt) return undefined;
  return Math.max(0, Date.parse(record.startedAt) + seconds * 1000 - now.getTime());
}

/** Whether a running task has reached `timeoutSeconds` and is not being stopped yet. */
export function timeoutDue(record: TaskRecord, now: Date): boolean {
  return timeoutDueIn(record, now) === 0;
}

/** The record with a stop begun; SIGTERM goes to the task's group once this is durable. */
export function beginStop(record: TaskRecord, cause: Stop['cause'], now: Date): TaskRecord {
  if (record.stop) return record;
  return { ...record, stop: { cause, requestedAt: now.toISOString() } };
}

/** Whether the grace period of a stop has run out with the group still alive. */
export function killDue(record: TaskRecord, groupAlive: boolean, now: Date, graceMs: number) {
  const { stop } = record;
  if (!stop || stop.killedAt || !groupAlive) return false;
  return now.getTime() - Date.parse(stop.requestedAt) >= graceMs;
}

/** Whether a SIGKILL is recorded for the task's stop while some of it still lives. */
export function killPending(record: TaskRecord, groupAlive: boolean): boolean {
  return record.stop?.killedAt !== undefined && groupAlive;
}

export function killed(record: TaskRecord, now: Date): TaskRecord {
  if (!record.stop) return record;
  return { ...record, stop: { ...record.stop, killedAt: now.toISOString() } };
}

/**
 * Whether a deleted task can be removed: its process has ended (or never started), no process
 * of its group is left, so nothing it started outlives its record, no hook runs, and its
 * postStop hook, if it has one, has ended.
 */
export function removable(record: TaskRecord, groupAlive: boolean): boolean {
  if (record.deletionTimestamp === undefined || groupAlive) return false;
  if (hookRunning(record) || !hookSettled(record, 'postStop')) return false;
  return record.state === 'Pending' || isFinished(record.state);
}

/**
 * How many tasks are active once the task set is `desired`: the desired names that exist and
 * are active, plus every desired name that does not exist yet (it is created). The others are
 * deleted and no longer count.
 */
export function activeAfterSync(
  current: ReadonlyMap<string, TaskRecord>,
  desired: ReadonlySet<string>,
): number {
  let count = 0;
  for (const name of desired) {
    const record = current.get(name);
    if (!record || isActive(record)) count++;
  }
  return count;
}
