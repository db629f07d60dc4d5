import { z } from 'zod';
import { TaskLabelsSchema } from './labels.js';
import { ProcessSpecSchema } from './process-spec.js';
import { TaskNameSchema } from './task-name.js';

/**
 * - `Pending`: recorded, the command has not started (and, by construction, never will have
 *   started while the record says so).
 * - `Running`: started; `runtime` identifies the supervising shim.
 * - `Succeeded` / `Failed`: finished with a known exit code.
 * - `Unknown`: the process ended while nothing could observe it and left no exit status; it
 *   is reported, never re-run.
 */
export const TaskStateSchema = z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
export type TaskState = z.infer<typeof TaskStateSchema>;

/**
 * Why a task ended:
 * `Succeeded`, `Failed` (non-zero exit), `Timeout` (stopped at `timeoutSeconds`),
 * `Stopped` (stopped because it was deleted), `StartFailed` (the process could not be started),
 * `Lost` (ended without an exit status; state `Unknown`), `PreStartHookFailed` (the preStart
 * hook failed, so the command never ran), `PostStopHookFailed` (the postStop hook failed after
 * the task ended; the message says how the command had ended), `UnreadableRecord` (state
 * `Unknown`: the task's `task.json` cannot be read, so its spec and outcome are lost; only ever
 * in memory, never written, see unreadable-task.ts).
 */
export const TerminationReasonSchema = z.enum([
  'Succeeded',
  'Failed',
  'Timeout',
  'Stopped',
  'StartFailed',
  'Lost',
  'PreStartHookFailed',
  'PostStopHookFailed',
  'UnreadableRecord',
]);
export type TerminationReason = z.infer<typeof TerminationReasonSchema>;

/**
 * Who supervises a started task: the shim's pid, its start time in clock ticks since boot
 * (`/proc/<pid>/stat` field 22) and the boot it started in. A pid alone can be reused by an
 * unrelated process; the three together cannot.
 */
export const ProcessIdentitySchema = z.object({
  pid: z.int().positive(),
  startTicks: z.string().regex(/^\d+$/),
  bootId: z.string(),
});
export type ProcessIdentity = z.infer<typeof ProcessIdentitySchema>;

/** A stop in progress: why, when SIGTERM went out, and when SIGKILL did. */
export const StopSchema = z.object({
  cause: z.enum(['Deleted', 'Timeout']),
  requestedAt: z.iso.datetime(),
  killedAt: z.iso.datetime().optional(),
});
export type Stop = z.infer<typeof StopSchema>;

/**
 * One run of a lifecycle hook. `runtime` is recorded before the hook may run (as for the
 * command), so a restarted agent re-adopts a running hook instead of running it again.
 * `reason` is the durable marker of its end: once it is set the hook never runs again.
 */
export const HookRunSchema = z.object({
  /** Absent when the hook could not be launched at all. */
  runtime: ProcessIdentitySchema.optional(),
  startedAt: z.iso.datetime(),
  /** When SIGKILL went to the hook's group, because it ran past its timeout or was cancelled. */
  killedAt: z.iso.datetime().optional(),
  killCause: z.enum(['Timeout', 'Deleted']).optional(),
  reason: z
    .enum([
      'PreStartHookCompleted',
      'PreStartHookFailed',
      'PostStopHookCompleted',
      'PostStopHookFailed',
    ])
    .optional(),
  exitCode: z.int().optional(),
  /** What went wrong, with the hook's output capped to its first and last few KiB. */
  message: z.string().optional(),
  finishedAt: z.iso.datetime().optional(),
});
export type HookRun = z.infer<typeof HookRunSchema>;

/** `<data-dir>/<name>/task.json`: everything the supervisor needs to resume after a restart. */
export const TaskRecordSchema = z.object({
  version: z.literal(1),
  name: TaskNameSchema,
  uid: z.string().min(1),
  labels: TaskLabelsSchema.optional(),
  annotations: TaskLabelsSchema.optional(),
  process: ProcessSpecSchema,
  createdAt: z.iso.datetime(),
  deletionTimestamp: z.iso.datetime().optional(),
  state: TaskStateSchema,
  reason: TerminationReasonSchema.or(z.literal('Pending')).or(z.literal('Running')),
  message: z.string().optional(),
  runtime: ProcessIdentitySchema.optional(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  exitCode: z.int().optional(),
  signal: z.int().optional(),
  stop: StopSchema.optional(),
  /**
   * False when the task ended without its command ever running though its shim was started (a
   * stop came between its `go` and its fork); absent otherwise, where the state says it.
   */
  commandStarted: z.literal(false).optional(),
  hooks: z
    .object({ preStart: HookRunSchema.optional(), postStop: HookRunSchema.optional() })
    .optional(),
});

export type TaskRecord = z.infer<typeof TaskRecordSchema>;

/** The exit code of a task a stop ended before its command started, as its SIGTERM would. */
export const stoppedExitCode = 143;

/**
 * Whether the task counts against a concurrency limit: pending or running and not being
 * deleted (as OpenSandbox's agent counts), so a desired set can replace a running task.
 */
export function isActive(record: TaskRecord): boolean {
  return (
    record.deletionTimestamp === undefined &&
    (record.state === 'Pending' || record.state === 'Running')
  );
}

/** Whether the task's own process has ended (its group may still have members). */
export function isFinished(state: TaskState): boolean {
  return state === 'Succeeded' || state === 'Failed' || state === 'Unknown';
}
