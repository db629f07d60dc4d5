import { formatKubeTime } from '@roundhouse/core';
import type { LogTail, TaskRecord, TaskRequest } from '@roundhouse/process';
import type { Observation } from './plan.js';
import type { Outcome } from './results.js';
import type { DistExecSpec } from './spec.js';
import { argvOf } from './spec.js';

/** Labels on every supervisor task, naming the DistExec attempt it runs. */
export const taskLabels = Object.freeze({
  namespace: 'distexec.roundhouse.dev/namespace',
  name: 'distexec.roundhouse.dev/name',
  uid: 'distexec.roundhouse.dev/uid',
  generation: 'distexec.roundhouse.dev/generation',
  attempt: 'distexec.roundhouse.dev/attempt',
});

/** One attempt of one generation of one DistExec (its uid: a re-created DistExec is another). */
export interface AttemptRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly attempt: number;
}

/**
 * The supervisor task of an attempt. Deterministic, so a restarted agent finds the task its
 * predecessor started, and creating it again is answered with the existing task (the
 * supervisor compares the request), never a second run.
 */
export function taskName(ref: AttemptRef): string {
  return `dx-${ref.uid}-g${ref.generation}-a${ref.attempt}`;
}

/** The task that runs `spec` for one attempt, with the attempt in its environment too. */
export function taskRequest(ref: AttemptRef, spec: DistExecSpec): TaskRequest {
  return {
    name: taskName(ref),
    labels: {
      [taskLabels.namespace]: ref.namespace,
      [taskLabels.name]: ref.name,
      [taskLabels.uid]: ref.uid,
      [taskLabels.generation]: String(ref.generation),
      [taskLabels.attempt]: String(ref.attempt),
    },
    process: {
      command: argvOf(spec),
      env: [
        { name: 'DISTEXEC_NAMESPACE', value: ref.namespace },
        { name: 'DISTEXEC_NAME', value: ref.name },
        { name: 'DISTEXEC_GENERATION', value: String(ref.generation) },
        { name: 'DISTEXEC_ATTEMPT', value: String(ref.attempt) },
      ],
      ...(spec.timeoutSeconds !== undefined ? { timeoutSeconds: spec.timeoutSeconds } : {}),
    },
  };
}

/** The attempt a task runs, from its labels; undefined for a task this agent did not start. */
export function attemptOfTask(task: TaskRecord): AttemptRef | undefined {
  const labels = task.labels ?? {};
  const namespace = labels[taskLabels.namespace];
  const name = labels[taskLabels.name];
  const uid = labels[taskLabels.uid];
  const generation = Number(labels[taskLabels.generation]);
  const attempt = Number(labels[taskLabels.attempt]);
  if (!namespace || !name || !uid || !Number.isInteger(generation) || !Number.isInteger(attempt)) {
    return undefined;
  }
  return { namespace, name, uid, generation, attempt };
}

/**
 * The tasks to stop and remove for a DistExec: all of its incarnation `uid` except the one to
 * `keep` (the attempt that is running or about to). With `uid` undefined (the DistExec is
 * gone), every task of that namespace and name. Tasks already being deleted are left to finish.
 */
export function tasksToStop(
  tasks: readonly TaskRecord[],
  target: { readonly namespace: string; readonly name: string; readonly uid?: string | undefined },
  keep?: { readonly generation: number; readonly attempt: number },
): TaskRecord[] {
  return tasks.filter((task) => {
    const ref = attemptOfTask(task);
    if (!ref || task.deletionTimestamp) return false;
    if (ref.namespace !== target.namespace || ref.name !== target.name) return false;
    if (target.uid !== undefined && ref.uid !== target.uid) return false;
    return !(keep && ref.generation === keep.generation && ref.attempt === keep.attempt);
  });
}

/** The tails of a finished task's output. */
export interface Output {
  readonly stdout: LogTail;
  readonly stderr: LogTail;
}

/** What a task says about its attempt; `output` is read only for a finished task. */
export function observeTask(task: TaskRecord | undefined, output?: Output): Observation {
  if (!task) return { kind: 'none' };
  if (task.state === 'Pending' || task.state === 'Running') return { kind: 'running' };
  return { kind: 'finished', outcome: taskOutcome(task, output) };
}

/** Whether the task's process has ended, so its output is complete. */
export function isTaskFinished(task: TaskRecord): boolean {
  return task.state !== 'Pending' && task.state !== 'Running';
}

function taskOutcome(task: TaskRecord, output: Output | undefined): Outcome {
  const times = {
    ...(task.startedAt ? { startedAt: formatKubeTime(new Date(task.startedAt)) } : {}),
    ...(task.finishedAt ? { finishedAt: formatKubeTime(new Date(task.finishedAt)) } : {}),
  };
  const out = output
    ? {
        stdout: output.stdout.content,
        stderr: output.stderr.content,
        outputTruncated: output.stdout.truncated || output.stderr.truncated,
      }
    : {};
  if (task.state === 'Unknown') {
    return { succeeded: false, reason: 'Lost', message: task.message, ...times, ...out };
  }
  const succeeded = task.state === 'Succeeded';
  return {
    succeeded,
    reason: succeeded ? 'Completed' : task.reason,
    ...(task.message ? { message: task.message } : {}),
    ...(task.exitCode !== undefined ? { exitCode: task.exitCode } : {}),
    ...times,
    ...out,
  };
}
