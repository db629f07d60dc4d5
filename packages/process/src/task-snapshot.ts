import { awaitingPostStop } from './hook-lifecycle.js';
import type { TaskRecord, TaskState } from './task-record.js';
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
  readonly deleting: boolean;
  readonly phase: TaskState;
  readonly reason: string;
  readonly message?: string | undefined;
  readonly exitCode?: number | undefined;
}

export function snapshotFromRecord(record: TaskRecord): TaskSnapshot {
  if (awaitingPostStop(record)) {
    return { ...common(record), phase: 'Running', reason: 'Running' };
  }
  return {
    ...common(record),
    phase: record.state,
    reason: record.reason,
    message: record.message,
    exitCode: record.exitCode,
  };
}

function common(record: TaskRecord) {
  return {
    name: record.name,
    uid: record.uid,
    labels: record.labels ?? {},
    annotations: record.annotations ?? {},
    deleting: record.deletionTimestamp !== undefined,
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
    deleting: Boolean(task.deletionTimestamp),
  };
  const { terminated, running, waiting } = state ?? {};
  if (terminated) {
    const phase = task.status?.phase ?? (terminated.exitCode === 0 ? 'Succeeded' : 'Failed');
    return {
      ...common,
      phase,
      reason:
        task.status?.reason ||
        terminated.reason ||
        (phase === 'Succeeded' ? 'Succeeded' : 'Failed'),
      message: terminated.message,
      exitCode: terminated.exitCode,
    };
  }
  if (running) return { ...common, phase: 'Running', reason: 'Running' };
  const phase = task.status?.phase ?? (waiting?.reason === 'Unknown' ? 'Unknown' : 'Pending');
  const reason = task.status?.reason || waiting?.reason || phase;
  return { ...common, phase, reason, message: waiting?.message };
}
