import { formatKubeTime } from '@roundhouse/core';
import { awaitingPostStop } from './hook-lifecycle.js';
import { isFinished, type TaskRecord, type TaskState } from './task-record.js';
import type { ProcessStatus, WireTask } from './wire-task.js';

/**
 * What an engine needs to know about a task, whether it read the record in-process or a
 * response from an agent (this one, or an OpenSandbox task-executor).
 */
export interface TaskSnapshot {
  readonly name: string;
  /** Absent from an OpenSandbox agent's answers. */
  readonly uid?: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** When the task was created, in whole seconds (RFC 3339); absent from an OpenSandbox agent's answers. */
  readonly createdAt?: string | undefined;
  readonly deleting: boolean;
  /** When the deletion was asked for, in whole seconds; absent where the agent does not say. */
  readonly deletionTimestamp?: string | undefined;
  readonly phase: TaskState;
  readonly reason: string;
  readonly message?: string | undefined;
  readonly exitCode?: number | undefined;
  /**
   * Whether the task's command was started: false while it waits, and for an end that came
   * before it could run (`StartFailed`, `PreStartHookFailed`); absent when nothing says (an
   * unreadable record, an outcome another agent calls Unknown).
   */
  readonly started?: boolean | undefined;
  /**
   * When the task ended for good, in whole seconds (RFC 3339), once it has: its command's end,
   * or its postStop hook's where that came later, since only then is the outcome reported.
   */
  readonly finishedAt?: string | undefined;
}

/**
 * What OpenSandbox's agent answers, with no `status.phase`, for a task running past its timeout
 * while it stops it; this agent sends it too, for a timeout that ended, with its phase.
 */
const upstreamTimeout = 'TaskTimeout';

/** The exit codes of an OpenSandbox stop: its SIGTERM, or the SIGKILL after its grace. */
const stopExitCodes: ReadonlySet<number> = new Set([143, 137]);

/**
 * The timeout an OpenSandbox agent's end came from, which that agent never says: an end by a
 * stop's signal no sooner than the task's `timeoutSeconds`. That agent stops a task once more
 * than `timeoutSeconds` have passed since its start, so the true span exceeds them; both times
 * come truncated to whole seconds, so their difference, a whole number greater than the span
 * less one, is at least `timeoutSeconds`. A signal from elsewhere in the last second before the
 * timeout reads as the timeout too: whole seconds cannot tell them apart. A `ProcessCrashed`
 * end (137, no exit status) is given its start as its end, so it never reads as a timeout.
 */
function exceededTimeout(
  task: WireTask,
  end: NonNullable<ProcessStatus['terminated']>,
): number | undefined {
  const timeout = task.process?.timeoutSeconds ?? task.spec?.process?.timeoutSeconds;
  if (timeout == null || !stopExitCodes.has(end.exitCode)) return undefined;
  const span = Date.parse(end.finishedAt ?? '') - Date.parse(end.startedAt ?? '');
  return span >= timeout * 1000 ? timeout : undefined;
}

/** Ends that come before the command could run. */
const endsBeforeStart: ReadonlySet<string> = new Set(['StartFailed', 'PreStartHookFailed']);

/** Whether a task in this phase, for this reason, started its command (see `started`). */
function commandStarted(phase: TaskState, reason: string): boolean | undefined {
  switch (phase) {
    case 'Pending':
      return false;
    case 'Running':
    case 'Succeeded':
      return true;
    case 'Failed':
      return !endsBeforeStart.has(reason);
    case 'Unknown':
      // Lost: recorded running, then gone without a status. Any other Unknown says nothing.
      return reason === 'Lost' ? true : undefined;
  }
}

/** The latest of these times, in whole seconds; undefined when none is a time. */
function latest(...times: (string | undefined)[]): string | undefined {
  const ms = times.map((time) => Date.parse(time ?? '')).filter((t) => !Number.isNaN(t));
  return ms.length ? formatKubeTime(new Date(Math.max(...ms))) : undefined;
}

export function snapshotFromRecord(record: TaskRecord): TaskSnapshot {
  if (awaitingPostStop(record)) {
    const started = record.commandStarted ?? true;
    return { ...common(record), phase: 'Running', reason: 'Running', started };
  }
  const finishedAt = isFinished(record.state)
    ? latest(record.finishedAt, record.hooks?.postStop?.finishedAt)
    : undefined;
  return {
    ...common(record),
    phase: record.state,
    reason: record.reason,
    message: record.message,
    exitCode: record.exitCode,
    started: record.commandStarted ?? commandStarted(record.state, record.reason),
    finishedAt,
  };
}

function common(record: TaskRecord) {
  return {
    name: record.name,
    uid: record.uid,
    labels: record.labels ?? {},
    annotations: record.annotations ?? {},
    createdAt: latest(record.createdAt),
    deleting: record.deletionTimestamp !== undefined,
    deletionTimestamp: latest(record.deletionTimestamp),
  };
}

/**
 * Reads a task from an agent's answer: `processStatus` (the Go agent's) or `status.state`
 * (the README's), and `status.phase` and `status.reason` when this agent sent them.
 */
export function snapshotFromWire(task: WireTask): TaskSnapshot {
  const state: ProcessStatus | undefined = task.processStatus ?? task.status?.state ?? undefined;
  const common = {
    name: task.name,
    uid: task.uid,
    labels: task.labels ?? {},
    annotations: task.annotations ?? {},
    createdAt: latest(task.createdAt ?? undefined),
    deleting: Boolean(task.deletionTimestamp),
    deletionTimestamp: latest(task.deletionTimestamp ?? undefined),
  };
  const { terminated, running, waiting } = state ?? {};
  const postStopEnd = task.status?.hooks?.postStop?.finishedAt;
  if (terminated && task.status?.phase === undefined && terminated.reason === upstreamTimeout) {
    // OpenSandbox's agent says TaskTimeout only while the process still runs past its timeout
    // and is being stopped (its finishedAt is the time of the answer); once it has ended the
    // answer is its exit status. Read as final, it would be a verdict before the end.
    return {
      ...common,
      phase: 'Running',
      reason: upstreamTimeout,
      message: terminated.message,
      started: true,
    };
  }
  const timeout =
    terminated && task.status?.phase === undefined ? exceededTimeout(task, terminated) : undefined;
  if (terminated && timeout !== undefined) {
    return {
      ...common,
      phase: 'Failed',
      reason: 'Timeout',
      message: `exceeded its timeout of ${timeout}s; the process exited with code ${terminated.exitCode}`,
      exitCode: terminated.exitCode,
      started: true,
      finishedAt: latest(terminated.finishedAt, postStopEnd),
    };
  }
  if (terminated) {
    const phase = task.status?.phase ?? (terminated.exitCode === 0 ? 'Succeeded' : 'Failed');
    const reason =
      task.status?.reason || terminated.reason || (phase === 'Succeeded' ? 'Succeeded' : 'Failed');
    return {
      ...common,
      phase,
      reason,
      message: terminated.message,
      exitCode: terminated.exitCode,
      started: task.status?.started ?? commandStarted(phase, reason),
      finishedAt: latest(terminated.finishedAt, postStopEnd),
    };
  }
  if (running) {
    return {
      ...common,
      phase: 'Running',
      reason: 'Running',
      started: task.status?.started ?? true,
    };
  }
  const phase = task.status?.phase ?? (waiting?.reason === 'Unknown' ? 'Unknown' : 'Pending');
  const reason = task.status?.reason || waiting?.reason || phase;
  return {
    ...common,
    phase,
    reason,
    message: waiting?.message,
    started: commandStarted(phase, reason),
    finishedAt: isFinished(phase) ? latest(postStopEnd) : undefined,
  };
}
