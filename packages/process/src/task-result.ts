import { completionTimeOf, type ExecutionResult, type FailureReason } from '@roundhouse/core';
import type { TaskSnapshot } from './task-snapshot.js';

/** How much of stderr a failure's message quotes. */
export const stderrQuoteBytes = 1024;
const stderrQuoteLines = 5;

/** Execution reasons for a task's termination reasons (ours, then OpenSandbox's). */
const failureReasons: Readonly<Record<string, { reason: string; failure: FailureReason }>> = {
  Failed: { reason: 'ProcessFailed', failure: 'TaskFailed' },
  Stopped: { reason: 'Stopped', failure: 'TaskFailed' },
  Timeout: { reason: 'Timeout', failure: 'DeadlineExceeded' },
  TaskTimeout: { reason: 'Timeout', failure: 'DeadlineExceeded' },
  // The command never ran, or nobody saw how it ended: nothing says the workflow failed. A
  // failed preStart hook kept the bundle from running; with `started: false` the controller
  // counts neither as an execution failure, which TaskFailed would prove.
  StartFailed: { reason: 'StartFailed', failure: 'Unknown' },
  ProcessCrashed: { reason: 'OutcomeUnknown', failure: 'Unknown' },
  PreStartHookFailed: { reason: 'PreStartHookFailed', failure: 'Unknown' },
  PostStopHookFailed: { reason: 'PostStopHookFailed', failure: 'TaskFailed' },
};

/** The last few lines of a task's stderr, for a failure message. */
export function stderrQuote(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-stderrQuoteLines).join('\n');
  return lines.length > stderrQuoteBytes ? lines.slice(-stderrQuoteBytes) : lines;
}

/**
 * A task's state as an ExecutionResult: Pending and Running as they are, Succeeded as
 * Completed, and every other end as Failed with `failureReason` set — `DeadlineExceeded` for
 * a timeout, `TaskFailed` for a non-zero exit, `Unknown` when the outcome is unknown or the
 * command never ran (whatever ended it: a timeout, a stop, a failed start). `started` says whether the command was started, and an end carries the
 * task's own `completionTime`, so a controller that sees it late records when it happened.
 * `stderr`, when given, is quoted in a failure's message.
 */
export function executionResult(task: TaskSnapshot, stderr = ''): ExecutionResult {
  const total = { totalTasks: 1 };
  const started = task.started === undefined ? {} : { started: task.started };
  const completionTime = completionTimeOf(task.finishedAt);
  const ended = { ...started, ...(completionTime ? { completionTime } : {}) };
  switch (task.phase) {
    case 'Pending':
      return {
        phase: 'Pending',
        reason: 'Pending',
        message: task.message ?? `task ${task.name} has not started yet`,
        summary: { status: 'Unknown', completedTasks: 0, ...total },
        ...started,
      };
    case 'Running':
      return {
        phase: 'Running',
        reason: 'Running',
        message: `task ${task.name} is running`,
        summary: { status: 'Unknown', completedTasks: 0, ...total },
        ...started,
      };
    case 'Succeeded':
      return {
        phase: 'Completed',
        reason: 'Succeeded',
        message: `task ${task.name} exited with code 0`,
        summary: { status: 'True', completedTasks: 1, ...total },
        exitCode: 0,
        ...ended,
      };
    case 'Unknown':
      return { ...failed(task, 'OutcomeUnknown', 'Unknown', stderr), ...ended };
    case 'Failed': {
      const mapped = failureReasons[task.reason] ?? failureReasons.Failed;
      const reason = mapped?.reason ?? 'ProcessFailed';
      // A task stopped before its command ran (its timeout between `go` and the fork, a
      // deletion during its preStart hook) ran none of the workflow: DeadlineExceeded and
      // TaskFailed would tell the controller it did (a failure during execution), so its class
      // is Unknown; `reason` and the message still say it timed out or was stopped.
      const failure = task.started === false ? 'Unknown' : (mapped?.failure ?? 'TaskFailed');
      return { ...failed(task, reason, failure, stderr), ...ended };
    }
  }
}

function failed(
  task: TaskSnapshot,
  reason: string,
  failureReason: FailureReason,
  stderr: string,
): ExecutionResult {
  const quote = stderrQuote(stderr);
  const what =
    task.message ?? (task.exitCode !== undefined ? `exited with code ${task.exitCode}` : 'failed');
  const message = `task ${task.name}: ${what}${quote ? `; stderr: ${quote}` : ''}`;
  return {
    phase: 'Failed',
    reason,
    message,
    summary: { status: 'False', reason, message, completedTasks: 0, totalTasks: 1 },
    ...(task.exitCode !== undefined && task.phase !== 'Unknown' ? { exitCode: task.exitCode } : {}),
    failureReason,
  };
}
